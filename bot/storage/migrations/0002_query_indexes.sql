-- Secondary indexes for the per-guild listings, the time-windowed statistics
-- and the retention sweeps, plus the index SQLite wants on every foreign key.

CREATE INDEX channel_modes_by_guild ON channel_modes (guild_id);
CREATE INDEX config_audit_by_guild ON config_audit (guild_id, at);
CREATE INDEX answers_by_created ON answers (created_at);
CREATE INDEX answers_by_channel ON answers (channel_id, created_at);
CREATE INDEX handled_messages_by_claimed ON handled_messages (claimed_at);
CREATE INDEX unanswered_by_guild ON unanswered (guild_id, created_at);
CREATE INDEX unanswered_by_created ON unanswered (created_at);
CREATE INDEX corrections_by_answer ON corrections (answer_id);
CREATE INDEX corrections_by_created ON corrections (created_at);
CREATE INDEX reloads_by_at ON reloads (at);
