-- Tables for per-guild configuration and its audit trail, the answer log with
-- its feedback, questions the bot could not answer, moderator corrections,
-- knowledge reloads and small key/value metadata.
-- Timestamps are UTC epoch seconds. Discord ids are 64-bit integers.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    answer_threshold    REAL CHECK (answer_threshold IS NULL OR answer_threshold BETWEEN 0 AND 1),
    user_cooldown_s     INTEGER CHECK (user_cooldown_s IS NULL OR user_cooldown_s >= 0),
    topic_cooldown_s    INTEGER CHECK (topic_cooldown_s IS NULL OR topic_cooldown_s >= 0),
    retention_days      INTEGER CHECK (retention_days IS NULL OR retention_days >= 1),
    escalation_role_id  INTEGER,
    updated_at          REAL NOT NULL
) STRICT;

CREATE TABLE channel_modes (
    channel_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('off', 'mention', 'auto')),
    updated_at  REAL NOT NULL
) STRICT;

CREATE TABLE config_audit (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    at         REAL NOT NULL,
    key        TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT
) STRICT;

-- question becomes NULL once the guild's retention period has passed; the row
-- itself is kept for statistics. helpful/not_helpful mirror the votes table and
-- are only ever changed in the same transaction as a vote.
CREATE TABLE answers (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER,
    channel_id         INTEGER,
    source_message_id  INTEGER UNIQUE,
    reply_message_id   INTEGER,
    asker_id           INTEGER,
    entry_ids          TEXT NOT NULL CHECK (json_valid(entry_ids) AND json_type(entry_ids) = 'array'),
    topics             TEXT NOT NULL CHECK (json_valid(topics) AND json_type(topics) = 'array'),
    confidence         REAL NOT NULL,
    kind               TEXT NOT NULL
                       CHECK (kind IN ('auto', 'mention', 'forum', 'ask', 'context', 'policy')),
    question           TEXT,
    helpful            INTEGER NOT NULL DEFAULT 0 CHECK (helpful >= 0),
    not_helpful        INTEGER NOT NULL DEFAULT 0 CHECK (not_helpful >= 0),
    created_at         REAL NOT NULL
) STRICT;

CREATE TABLE votes (
    answer_id  INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at   REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
) STRICT, WITHOUT ROWID;

-- Messages the bot has taken responsibility for, so that it never answers one twice.
CREATE TABLE handled_messages (
    message_id  INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    claimed_at  REAL NOT NULL
) STRICT;

CREATE TABLE unanswered (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER,
    channel_id     INTEGER,
    message_id     INTEGER,
    question       TEXT NOT NULL,
    best_entry_id  TEXT,
    confidence     REAL NOT NULL,
    created_at     REAL NOT NULL
) STRICT;

CREATE TABLE corrections (
    id                  INTEGER PRIMARY KEY,
    answer_id           INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    guild_id            INTEGER,
    moderator_id        INTEGER NOT NULL,
    question            TEXT,
    original_entry_ids  TEXT NOT NULL
                        CHECK (json_valid(original_entry_ids)
                               AND json_type(original_entry_ids) = 'array'),
    correct_entry_id    TEXT,
    should_not_answer   INTEGER NOT NULL CHECK (should_not_answer IN (0, 1)),
    created_at          REAL NOT NULL
) STRICT;

CREATE TABLE reloads (
    id        INTEGER PRIMARY KEY,
    guild_id  INTEGER,
    actor_id  INTEGER,
    ok        INTEGER NOT NULL CHECK (ok IN (0, 1)),
    summary   TEXT NOT NULL,
    at        REAL NOT NULL
) STRICT;

CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  REAL NOT NULL
) STRICT, WITHOUT ROWID;
