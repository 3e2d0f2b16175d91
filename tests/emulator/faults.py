"""REST fault injection: rate limits, server errors and slow responses on chosen routes.

Rules are matched in insertion order against ``METHOD`` and the path below ``/api/v10``
(``re.fullmatch``), and each rule fires ``times`` times (``None`` = forever).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .rest_util import json_response


@dataclass
class FaultRule:
    method: str
    pattern: re.Pattern[str]
    status: int | None
    times: int | None
    retry_after: float
    delay: float
    global_: bool
    body: Any = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method) and self.pattern.fullmatch(path) is not None

    def response(self) -> web.Response | None:
        """The error to send instead of the real answer (``None``: only a delay).

        With ``body`` the reply is that body (bytes as text/html, anything else as
        JSON) under ``status`` (default 200): a malformed success, for instance.
        """
        if self.body is not None:
            if isinstance(self.body, bytes):
                return web.Response(
                    body=self.body, status=self.status or 200, content_type="text/html"
                )
            return json_response(self.body, status=self.status or 200)
        if self.status is None:
            return None
        if self.status == 429:
            # discord.py retries a 429 only with a JSON body *and* a Via header;
            # otherwise it assumes a Cloudflare ban and raises.
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.global_,
                "code": 0,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(self.retry_after))),
                "X-RateLimit-Scope": "global" if self.global_ else "user",
            }
            return json_response(body, status=429, headers=headers)
        reason = "Internal Server Error" if self.status >= 500 else "injected fault"
        return json_response({"message": f"{self.status}: {reason}", "code": 0}, status=self.status)


class FaultInjector:
    """The ``emu.faults`` object; tests add rules, the REST middleware consults them."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(
        self,
        method: str,
        path_regex: str,
        status: int | None = None,
        *,
        times: int | None = 1,
        retry_after: float = 0.05,
        delay: float = 0.0,
        global_: bool = False,
        body: Any = None,
    ) -> FaultRule:
        """Fail (``status``), slow down (``delay`` seconds) or answer with ``body``."""
        rule = FaultRule(
            method.upper(), re.compile(path_regex), status, times, retry_after, delay, global_, body
        )
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str) -> FaultRule | None:
        """First live rule for this request, counting the hit."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.hits += 1
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()
