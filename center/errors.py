"""Errors the centre's administrator sees: catalogue keys, like the station's."""

from __future__ import annotations

from shared.errors import StationError


class CenterError(StationError):
    key = "center.failed"
