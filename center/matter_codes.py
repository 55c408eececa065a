"""The matter codes a pushed case may name: the shipped catalogue and every one published.

Why published ones too: `center catalogue publish` adds matters that stations start
using at their next pull, before any centre restart. Re-read only when a code is
missing, and at most every few seconds, so a stream of made-up codes costs one small
query per interval and honest pushes none.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from center.record_rules import matters_of

log = logging.getLogger("center")
REREAD_S = 5.0


class MatterCodes:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._seen = -1  # published catalogues read so far
        self._next = 0.0
        self.codes: dict[str, str] = {}
        self.reread(force=True)

    def reread(self, force: bool = False) -> bool:
        """Read published catalogues again; True when the codes changed."""
        from station.catalogue.loader import load_catalogue, loads_catalogue

        with self._lock:
            now = time.monotonic()
            if not force and now < self._next:
                return False
            self._next = now + REREAD_S
            texts = self.store.catalogue_texts()
            if len(texts) == self._seen:
                return False
            codes = matters_of(load_catalogue())
            for text in texts:
                try:
                    codes.update(matters_of(loads_catalogue(text, source="published")))
                except Exception:  # a publication stations will refuse too: no codes
                    log.warning("a published catalogue does not load; its codes are ignored")
            changed = codes != self.codes
            self.codes, self._seen = codes, len(texts)
            return changed
