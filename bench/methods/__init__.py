"""The compared methods, created by key so a worker process imports only the one it times."""

from __future__ import annotations

from methods.base import Method

KEYS = ("disputebot", "bm25", "minilm")


def create(key: str, *, encode_limit: int | None = None) -> Method:
    """A fresh, unloaded method; libraries are imported here, so import cost is measurable."""
    if key == "disputebot":
        from methods.disputebot import DisputebotMethod

        return DisputebotMethod()
    if key == "bm25":
        from methods.bm25 import Bm25Method

        return Bm25Method(use_off_topic=True)
    if key == "minilm":
        from methods.embeddings import EmbeddingMethod, import_libraries

        import_libraries()
        return EmbeddingMethod(use_off_topic=True, encode_limit=encode_limit)
    raise ValueError(f"unknown method {key!r}; known: {', '.join(KEYS)}")
