"""The tiers follow the fixture a test really gets, not its name (tests/support/tiers.py).

Here ``centre`` is a key pair (tests/queue/conftest.py); tests/support/centre.py has a
``centre`` that serves a real centre. Classified by name, every queue test asking for
its key pair sat in the daemon tier, out of ``pytest -m unit``.
"""

from __future__ import annotations


def test_the_queue_centre_key_pair_is_no_served_centre(request, centre) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("daemon") is None
