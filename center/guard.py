"""The wrapper every signed-API handler runs in: a refusal is a 4xx with a reason.

Why: a malformed request of any shape must get a 4xx with a reason and never a 5xx;
only a real server fault may be a 5xx. The API's own routes (center/app.py) and the
stations' reconcile check (center/reports/routes.py) both answer this way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from center.validate import BadRequest

Handler = Callable[[Request], Awaitable[Response]]


def guard(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except BadRequest as err:
            return JSONResponse({"error": err.code, "detail": err.detail, **err.extra},
                                status_code=err.status)
        except ClientDisconnect:
            # The station went away mid-request: nothing was stored, nobody to answer.
            return Response(status_code=400)
    return wrapped
