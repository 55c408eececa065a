"""The station side of the sync protocol (push sealed records, pull updates).

Why this file is empty: importing the package must load nothing (no httpx client, no
configuration, no inbox). The client is station/sync/client.py (see it for why a cut
anywhere loses and doubles nothing), built from the saved configuration by
station/sync/factory.py; docs/sync-protocol.md describes the wire format.
"""
