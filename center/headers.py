"""Security headers on every answer the centre gives (API, report pages, errors).

Why a bare ASGI wrapper: it adds four fixed headers at `http.response.start` and
nothing else, so the push path pays a few microseconds, not a middleware stack.
The policy: no script at all and nothing from elsewhere (`default-src 'self'`,
`script-src 'none'`), no framing (`frame-ancestors 'none'` and, for browsers without
CSP level 2, `X-Frame-Options: DENY`), no referrer, no MIME sniffing.
Sources: CSP Level 3 (https://www.w3.org/TR/CSP3/), RFC 7034 (X-Frame-Options),
Referrer Policy (https://www.w3.org/TR/referrer-policy/), Fetch's
`X-Content-Type-Options` (https://fetch.spec.whatwg.org/#x-content-type-options-header).
"""

from __future__ import annotations

from typing import Any

CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none';"
       " form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
]
_NAMES = {name for name, _ in HEADERS}


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", []) if h[0].lower() not in _NAMES]
                message = {**message, "headers": kept + HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)
