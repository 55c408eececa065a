"""Open the centre's store, or say which of the usual database faults stopped it.

Why probes and not the error's SQLSTATE: psycopg raises connection failures as a
bare `OperationalError` with `sqlstate` None — libpq keeps the server's SQLSTATE
(28P01 invalid_password, 28000 invalid_authorization_specification, 3D000
invalid_catalog_name) to itself (psycopg/psycopg#1188,
https://github.com/psycopg/psycopg/issues/1188) — and the message text is in the
server's language (a 麒麟/统信 server set up in zh_CN answers in Chinese). So the
kind is found by what does not depend on language:

- nothing listens at the address (TCP refused, no Unix socket): the server is not
  running — a plain socket connect tells;
- the same login works for the `postgres` maintenance database: the database named
  in the DSN is missing (3D000);
- otherwise the server turned the login away: wrong password or no such role
  (28P01 / 28000; PostgreSQL answers both alike on purpose).

The DSN's password never appears in a message; host, port, database and user do.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from center.errors import CenterError

# libpq's defaults when the DSN names no host or port (PostgreSQL docs, "Connection
# Strings" / "Environment Variables": PGHOST, PGPORT, DEFAULT_PGSOCKET_DIR on Debian).
DEFAULT_SOCKET_DIR = "/var/run/postgresql"
DEFAULT_PORT = 5432
PROBE_TIMEOUT_S = 5


def open_checked(url: str | None, home: Path) -> Any:
    """`center.db.open_store`, migrated; a database fault becomes a `CenterError`."""
    from center.db import open_store

    try:
        store = open_store(url, home)
    except ValueError as err:
        raise CenterError("center.bad_db") from err
    except Exception as err:  # psycopg / pool / sqlite3: the database is not reachable
        if type(err).__module__.startswith(("psycopg", "sqlite3")):
            raise explain(err, url) from None
        raise
    store.migrate()
    return store


def explain(err: BaseException, url: str | None) -> CenterError:
    """The sentence for a failed connection: which fault, where, what to do next."""
    if not url or not url.startswith(("postgresql://", "postgres://")):
        return CenterError("center.db_unreachable")
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # a DSN libpq cannot parse
        return CenterError("center.bad_db")
    host, port = _where(info)
    where = {"host": host, "port": port, "db": str(info.get("dbname") or _env_user(info)),
             "user": _env_user(info)}
    if not _listening(host, port):
        return CenterError("center.db_not_running", **where)
    if where["db"] != "postgres" and _connects(url, "postgres"):
        return CenterError("center.db_missing", **where)
    return CenterError("center.db_login_refused", **where)


def _env_user(info: dict[str, Any]) -> str:
    import getpass

    return str(info.get("user") or os.environ.get("PGUSER") or getpass.getuser())


def _where(info: dict[str, Any]) -> tuple[str, int]:
    host = str(info.get("host") or os.environ.get("PGHOST") or DEFAULT_SOCKET_DIR)
    host = host.split(",")[0]
    try:
        port = int(str(info.get("port") or os.environ.get("PGPORT") or DEFAULT_PORT
                       ).split(",")[0])
    except ValueError:
        port = DEFAULT_PORT
    return host, port


def _listening(host: str, port: int) -> bool:
    """True if something accepts a connection where libpq would connect."""
    if host.startswith("/"):  # a Unix-socket directory
        family, address = socket.AF_UNIX, os.path.join(host, f".s.PGSQL.{port}")
    else:
        try:
            family, _, _, _, address = socket.getaddrinfo(host, port,
                                                          type=socket.SOCK_STREAM)[0]
        except OSError:
            return False
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(PROBE_TIMEOUT_S)
        try:
            sock.connect(address)
        except OSError:
            return False
    return True


def _connects(url: str, dbname: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, dbname=dbname, connect_timeout=PROBE_TIMEOUT_S).close()
    except psycopg.Error:
        return False
    return True
