"""Issue 16: visit requests are readable only after unlock.

The inbox key's private half is sealed to a key derived from the queue's data key; a
keys file of the old shape (private key in the clear) is sealed at the first unlock;
a request booked into the queue leaves no sealed copy behind in the inbox.
"""

from __future__ import annotations

import json
import stat

import pytest

from shared.protocol import b64e, open_for_station, seal_for_station
from station import paths
from station.sync import identity
from station.sync.inbox import Inbox
from tests.support.station import ELDER_ID, PASS

DETAILS = {"name": "王阿婆", "phone": "64001234", "address": "嘉乐 9号 201",
           "id_number": ELDER_ID}


def _pull(service, uid: str, update_id: int) -> None:
    keys = identity.load_or_create_keys()
    inbox = Inbox()
    try:
        inbox.apply([{"kind": "visit_request", "id": update_id, "uid": uid,
                      "date": "2026-11-25", "slot": "am", "matter": "MZ01",
                      "at": "2026-11-23T09:00:00+08:00",
                      "sealed": seal_for_station(keys.inbox_pub(),
                                                 service.session.config().station_id,
                                                 uid, DETAILS)}], update_id)
    finally:
        inbox.close()


def _sealed_rows() -> list[tuple[str, str]]:
    inbox = Inbox()
    try:
        return inbox._db.execute("SELECT uid, sealed FROM visit_requests").fetchall()
    finally:
        inbox.close()


def test_a_new_inbox_key_is_never_in_the_clear(service):
    identity.load_or_create_keys()  # as enrolment makes them
    keys = identity.load_keys()  # as anyone reading the disk gets them
    doc = json.loads(identity.keys_file().read_text())
    assert "inbox" not in doc and set(doc) == {"sign", "inbox_pub", "inbox_sealed"}
    assert stat.S_IMODE(identity.keys_file().stat().st_mode) == 0o600
    assert keys.inbox is None  # nothing on disk opens the inbox ...
    queue = service.session.cases().queue
    opened = identity.open_inbox_key(queue)  # ... but the unlocked queue does
    assert opened.public_key().public_bytes_raw() == keys.inbox_pub()
    service.lock()
    with pytest.raises(Exception) as err:
        identity.open_inbox_key(queue)
    assert type(err.value).__name__ == "LockedError"


def test_requests_pulled_while_locked_stay_sealed_until_unlock(service):
    service.lock()
    _pull(service, "a" * 32, update_id=1)
    [(uid, sealed)] = _sealed_rows()
    assert sealed and "王阿婆".encode() not in paths.data_dir().joinpath(
        "inbox.sqlite3").read_bytes()
    member = service.staff()[0]
    service.unlock(member.id, PASS)
    assert service.visits.import_requests() == 1
    assert _sealed_rows() == [(uid, "")]  # booked: its sealed details are erased
    inbox_file = paths.data_dir() / "inbox.sqlite3"
    for side in (inbox_file, inbox_file.with_name("inbox.sqlite3-wal")):
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_an_old_keys_file_is_sealed_at_the_first_unlock(service):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    # The shape every station had before: the inbox key's private half in the clear.
    sign, inbox = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    identity.keys_file().write_text(json.dumps({
        "sign": b64e(sign.private_bytes_raw()), "inbox": b64e(inbox.private_bytes_raw())}))
    station_id = service.session.config().station_id
    _pull(service, "b" * 32, update_id=1)  # pulled under the old key
    service.lock()
    member = service.staff()[0]
    service.unlock(member.id, PASS)
    doc = json.loads(identity.keys_file().read_text())
    assert "inbox" not in doc
    assert b64e(inbox.private_bytes_raw()) not in identity.keys_file().read_text()
    assert identity.load_keys().inbox_pub() == inbox.public_key().public_bytes_raw()
    opened = identity.open_inbox_key(service.session.cases().queue)
    [(uid, sealed)] = _sealed_rows()
    assert open_for_station(opened, station_id, uid, sealed)["name"] == "王阿婆"
    assert service.visits.import_requests() == 1


def test_purge_erases_handled_requests_an_older_version_kept(service):
    _pull(service, "c" * 32, update_id=1)
    inbox = Inbox()
    inbox._db.execute("UPDATE visit_requests SET handled = 1")  # as older versions left it
    inbox.close()
    summary = service.purge_expired()
    assert summary.requests_removed == 1
    assert _sealed_rows() == [("c" * 32, "")]
