"""Colour themes: a calm default and a high-contrast one for a laptop in the sun."""

from __future__ import annotations

from textual.theme import Theme

DEFAULT = "station"
SUNLIGHT = "station-sunlight"

THEMES = [
    Theme(
        name=DEFAULT,
        primary="#2F6FB3",
        secondary="#4A8C5C",
        accent="#E0A030",
        foreground="#E8E8E8",
        background="#14181E",
        surface="#1E242C",
        panel="#27303A",
        success="#52B26B",
        warning="#E0A030",
        error="#E0544B",
        dark=True,
    ),
    # Black on white, saturated colours only for state: readable on a cheap matte
    # screen in direct light, where dark themes wash out.
    Theme(
        name=SUNLIGHT,
        primary="#0033AA",
        secondary="#005A1E",
        accent="#8A4B00",
        foreground="#000000",
        background="#FFFFFF",
        surface="#FFFFFF",
        panel="#E6E6E6",
        boost="#DDDDDD",
        success="#006400",
        warning="#8A4B00",
        error="#B00000",
        dark=False,
        luminosity_spread=0.05,
        text_alpha=1.0,
    ),
]
