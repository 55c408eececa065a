"""What the station's commands print: text, never terminal control.

Why one sink: names, sites and notes come from people (and older or hostile rows may
hold what today's input check refuses); printed raw, ESC sequences clear the screen or
set the window title (issue 16). Every line goes through `shared.text.visible`, which
keeps line breaks and tabs and writes every other control or direction character out
(``\\x1b``, ``\\u202e``) — inside JSON strings too, where that is a valid escape.
"""

from __future__ import annotations

from typing import Any

import click

from shared.text import visible


def echo(message: Any = None, **kwargs: Any) -> None:
    if message is not None and not isinstance(message, bytes):
        message = visible(message, multiline=True)
    click.echo(message, **kwargs)


def write(text: str) -> None:
    """For whole documents written to stdout (a report)."""
    click.get_text_stream("stdout").write(visible(text, multiline=True))
