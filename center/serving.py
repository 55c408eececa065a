"""Run the centre under uvicorn and announce it only once it really answers.

Why a watcher thread: with `--workers N` the push processes start inside the app's
lifespan, and uvicorn binds its socket only after that, so a banner printed before
`Server.run` promised a service that refused connections for seconds (issue 18).
The watcher waits for uvicorn's own `started` flag (socket bound, lifespan done),
then asks `/healthz` on that socket — so a second server already holding the port
cannot answer in our stead — and only then prints the URL and the report pages'.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from typing import Any

import httpx
import uvicorn

from shared.echo import echo
from shared.i18n import t

READY_TIMEOUT_S = 300.0
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def serve_until_stopped(app: Any, *, host: str, port: int, tls_cert: str | None,
                        tls_key: str | None, forwarded_allow_ips: str) -> None:
    """`uvicorn.run`, with the banner printed by a watcher once /healthz answers.

    X-Forwarded-For/-Proto are honoured from `forwarded_allow_ips` only (uvicorn's
    ProxyHeadersMiddleware), so behind nginx the client address and https are real.
    """
    config = uvicorn.Config(app, host=host, port=port, ssl_certfile=tls_cert,
                            ssl_keyfile=tls_key, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5, proxy_headers=True,
                            forwarded_allow_ips=forwarded_allow_ips)
    server = uvicorn.Server(config)
    scheme = "https" if tls_cert else "http"
    watcher = threading.Thread(target=_announce_when_ready, args=(server, scheme, host, port),
                               daemon=True, name="ready-banner")
    watcher.start()
    server.run()


def public_url(scheme: str, host: str, port: int) -> str:
    """The address to give people: the machine's name when listening on every address."""
    shown = socket.gethostname() if host in WILDCARDS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"{scheme}://{shown}:{port}"


def _announce_when_ready(server: uvicorn.Server, scheme: str, host: str, port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    probe_host = WILDCARDS.get(host, host)
    if ":" in probe_host:
        probe_host = f"[{probe_host}]"
    # Our own socket, whatever certificate it shows: this checks liveness, not identity.
    verify: ssl.SSLContext | bool = False
    # Event.wait, not time.sleep: under libfaketime (the tests' centre "four days ago")
    # Python's absolute monotonic clock_nanosleep fails with EINVAL; a lock's timeout does not.
    pause = threading.Event()
    while time.monotonic() < deadline and not server.should_exit:
        if server.started and _answers(f"{scheme}://{probe_host}:{port}/healthz", verify):
            url = public_url(scheme, host, port)
            echo(t("center.serving", url=url), err=True)
            echo(t("center.serving_reports", url=url), err=True)
            return
        pause.wait(0.05)


def _answers(url: str, verify: ssl.SSLContext | bool) -> bool:
    try:
        # trust_env off: a site proxy in $HTTPS_PROXY must not answer for our own socket.
        return httpx.get(url, timeout=2, verify=verify, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False
