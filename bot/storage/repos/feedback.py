"""Helpful / not-helpful votes on answers.

The answer's counters are changed in the same transaction as the vote row, so a
vote is either fully recorded (row and counters) or not at all, and the counters
always equal what the votes table says.
"""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.models import VoteResult


async def record_vote(
    db: Database,
    answer_id: int,
    user_id: int,
    vote: int,
    *,
    at: float,
    message_id: int | None = None,
) -> VoteResult | None:
    """Add or change one user's vote; None when the answer does not exist.

    ``message_id`` is the message the vote button was on. When the answer's reply
    message is known and is a different one, the vote is refused (None): answer ids
    start again from 1 in a database that was recreated after being deleted (or in
    a restored backup), so a button on an old message can carry the id of an
    unrelated new answer.
    """
    async with db.transaction():
        row = await db.fetch_one(
            "SELECT a.helpful, a.not_helpful, v.vote FROM answers AS a "
            "LEFT JOIN votes AS v ON v.answer_id = a.id AND v.user_id = ? WHERE a.id = ? "
            "AND (? IS NULL OR a.reply_message_id IS NULL OR a.reply_message_id = ?)",
            (user_id, answer_id, message_id, message_id),
        )
        if row is None:
            return None
        previous: int | None = row["vote"]
        helpful, not_helpful = row["helpful"], row["not_helpful"]
        if previous != vote:
            await db.execute(
                "INSERT INTO votes (answer_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET "
                "vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user_id, vote, at),
            )
            helpful_delta = (vote == 1) - (previous == 1)
            not_helpful_delta = (vote == -1) - (previous == -1)
            await db.execute(
                "UPDATE answers SET helpful = helpful + ?, not_helpful = not_helpful + ? "
                "WHERE id = ?",
                (helpful_delta, not_helpful_delta, answer_id),
            )
            # The transaction holds the write lock, so nobody changed them in between.
            helpful += helpful_delta
            not_helpful += not_helpful_delta
    return VoteResult(answer_id, user_id, vote, previous, helpful, not_helpful)


async def vote_counts(db: Database, answer_id: int) -> tuple[int, int]:
    """(helpful, not_helpful); (0, 0) for an unknown answer."""
    row = await db.fetch_one("SELECT helpful, not_helpful FROM answers WHERE id = ?", (answer_id,))
    return (row["helpful"], row["not_helpful"]) if row is not None else (0, 0)
