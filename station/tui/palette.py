"""Command palette: the main actions, labelled from the catalogue.

Textual's own system commands are English-only, so the app offers only these.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from shared.i18n import t

# (catalogue label, app action)
COMMANDS: list[tuple[str, str]] = [
    ("tui.cmd.serve", "serve"),
    ("tui.cmd.cases", "cases"),
    ("tui.cmd.help", "help"),
    ("tui.cmd.sync", "sync"),
    ("tui.cmd.lock", "lock"),
    ("tui.cmd.language", "language"),
    ("tui.cmd.theme", "theme"),
    ("tui.cmd.idle", "idle_settings"),
    ("tui.cmd.quit", "quit"),
]


class StationCommands(Provider):
    async def _run(self, action: str) -> None:
        await self.app.run_action(action)

    async def discover(self) -> Hits:
        for label, action in COMMANDS:
            yield DiscoveryHit(t(label), partial(self._run, action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action in COMMANDS:
            text = t(label)
            score = max(matcher.match(text), matcher.match(action))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._run, action), text=text)
