"""The station's terminal UI: the app shell every screen lives in.

Why the shell does so much: idle lock, card events, language and theme switches and
error handling must behave the same whatever screen is showing, so they live here
once instead of in each screen.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.dom import DOMNode

from shared.errors import StationError
from shared.i18n import get_locale, set_locale, t
from station.tui import events as ev
from station.tui import intents
from station.tui.base import _Guarded
from station.tui.keys import GLOBAL_KEYS, Key, bindings
from station.tui.palette import StationCommands
from station.tui.plain import shown
from station.tui.theme import DEFAULT, SUNLIGHT, THEMES

log = logging.getLogger("station.tui")

IDLE_CHECK_S = 2.0
STATUS_REFRESH_S = 3.0


class StationApp(_Guarded, App[None]):
    CSS_PATH = Path(__file__).with_name("station.tcss")
    COMMANDS: ClassVar = {StationCommands}
    ENABLE_COMMAND_PALETTE = True
    KEYS: ClassVar[list[Key]] = GLOBAL_KEYS
    BINDINGS: ClassVar = bindings(KEYS)

    def __init__(self, service: Any, *, idle_check_s: float = IDLE_CHECK_S,
                 watch_status: bool = True, sync: bool = True,
                 language: str | None = None) -> None:
        super().__init__()
        self.service = service
        # A language named for this run (--lang, $STATION_LANG) wins over the stored one.
        self.run_language = language
        self.idle_check_s = idle_check_s
        self.watch_status = watch_status
        self.sync = sync
        self._stop_sync: Callable[[], None] | None = None
        self.unexpected: list[str] = []  # type names of unexpected errors, for tests
        self.status: Any = None
        self._unwatch: Callable[[], None] | None = None

    # ---- start ------------------------------------------------------------------

    def notify(self, message: str, **kwargs: Any) -> None:
        """Never markup: a message may quote what people typed (station/tui/plain.py)."""
        kwargs["markup"] = False
        if "title" in kwargs:
            kwargs["title"] = shown(kwargs["title"])
        super().notify(shown(message), **kwargs)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = DEFAULT
        self._stored_language()
        self.title = t("tui.app.title")
        from station.tui.screens.firstrun import FirstRunScreen
        from station.tui.screens.unlock import UnlockScreen

        if not self.service.initialised:
            self.push_screen(FirstRunScreen())
        else:
            self.push_screen(UnlockScreen())
        self.set_interval(self.idle_check_s, self._check_idle)
        if self.watch_status:
            self.set_interval(STATUS_REFRESH_S, self.refresh_status)

    def _stored_language(self) -> None:
        """Open in the language chosen last time (kept in the station's config)."""
        if self.run_language is not None:
            set_locale(self.run_language)
            return
        try:
            stored = self.service.language if self.service.initialised else None
        except StationError:
            stored = None  # a broken config is said by the unlock screen, not here
        if stored:
            set_locale(stored)

    def station_ready(self) -> None:
        """Called once unlocked (or created): start watching the card reader."""
        if self._unwatch is None:
            try:
                self._unwatch = self.service.watch_cards(self._on_card_event)
            except StationError as err:
                self.show_error(err)
            # Build the pinyin search index now, not on the first key typed in the picker.
            self.background(lambda: self.service.search_matters("jlk"), quiet=True)
        if self.sync and self._stop_sync is None:
            # Push and pull with the centre in the background (nothing before enrolment).
            try:
                self._stop_sync = self.service.start_sync()
            except StationError as err:
                self.show_error(err)
        self.refresh_status()

    def enter_desk(self) -> None:
        """After unlock: today's outing first if not chosen, then the desk."""
        from station.tui.screens.desk import DeskScreen
        from station.tui.screens.outing import OutingScreen

        self.station_ready()
        if self.service.current_outing() is None:
            self.switch_screen(OutingScreen())
        else:
            self.switch_screen(DeskScreen())

    def today(self) -> date:
        """The outing's day (the service's clock), so ages and dates match what is recorded."""
        try:
            outing = self.service.current_outing()
        except StationError:
            outing = None
        return outing.day if outing is not None else date.today()

    # ---- the card reader (its thread) → messages (this thread) --------------------

    def _on_card_event(self, event: Any) -> None:
        # Called on the reader's thread: post_message is thread-safe.
        if event.kind == "inserted" and event.resident is not None:
            self.post_message(ev.CardInserted(event.resident))
        elif event.kind == "removed":
            self.post_message(ev.CardRemoved())
        elif event.error is not None:
            self.post_message(ev.CardFailed(event.error))

    def on_card_inserted(self, message: ev.CardInserted) -> None:
        # A screen that could not be built does not take a card: its widgets are missing.
        handler = (None if getattr(self.screen, "broken", False)
                   else getattr(self.screen, "on_card", None))
        if self.service.locked or self.is_locked_screen():
            pass
        elif handler is not None:
            handler(message.resident)
        else:
            # Mid-way through another resident: never swap people behind staff's back.
            self.notify(t("tui.card.busy"), severity="warning")
        self.refresh_status()

    def on_card_failed(self, message: ev.CardFailed) -> None:
        self.show_error(message.error)

    def on_card_removed(self, message: ev.CardRemoved) -> None:
        self.refresh_status()

    # ---- where a screen's intention leads (station/tui/intents.py) -------------------

    def on_serve_done(self, message: intents.ServeDone) -> None:
        """Back to the desk — or to visit mode, when the case was served at a door."""
        from station.tui.screens.desk import DeskScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, DeskScreen) \
                and not getattr(self.screen, "SERVE_HOME", False):
            self.pop_screen()

    def on_open_appointment(self, message: intents.OpenAppointment) -> None:
        """An existing booking, where it can be changed: its day's run sheet, or the
        waiting list when it has no slot or nobody was home."""
        from station.tui.screens.visits import VisitsScreen
        from station.tui.screens.waiting import WaitingScreen

        appt = message.appointment
        if appt.slot is None or appt.status == "no_show":
            self.push_screen(WaitingScreen(select=appt.id))
        else:
            self.push_screen(VisitsScreen(appt.slot.day, select=appt.id))

    # ---- status bar ----------------------------------------------------------------

    def refresh_status(self) -> None:
        if not self.service.initialised:
            return
        self.background(self.service.status, self._set_status, quiet=True)

    def _set_status(self, status: Any) -> None:
        self.status = status
        for screen in self.screen_stack:
            for bar in screen.query("StatusBar"):
                bar.show(status)  # type: ignore[attr-defined]

    # ---- work off the UI thread ------------------------------------------------------

    def background(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
                   failed: Callable[[Exception], None] | None = None,
                   *, quiet: bool = False) -> None:
        """Run a blocking call (Argon2id, card, printer) in a thread; results come back here."""

        def work() -> None:
            try:
                result = fn()
            except Exception as err:
                if failed is not None:
                    self.call_from_thread(failed, err)
                elif not quiet:
                    self.call_from_thread(self.show_error, err)
                else:
                    log.warning("background call failed: %s", type(err).__name__)
                return
            if done is not None:
                self.call_from_thread(done, result)

        self.run_worker(work, thread=True, exit_on_error=False, group="station")

    # ---- idle lock -------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)) and self.service.initialised:
            with contextlib.suppress(StationError):
                self.service.touch()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if not self.service.initialised or self.is_locked_screen():
            return
        if self.service.lock_if_idle():
            self.show_lock()

    def is_locked_screen(self) -> bool:
        from station.tui.screens.unlock import UnlockScreen

        return any(isinstance(s, UnlockScreen) for s in self.screen_stack)

    def show_lock(self) -> None:
        """Cover everything with the unlock screen; popping it returns to where staff were."""
        from station.tui.screens.unlock import UnlockScreen

        if self.is_locked_screen():
            return
        if not self.service.locked:
            self.service.lock()
        self.clear_notifications()  # a toast may name a case; nothing shows while locked
        self.push_screen(UnlockScreen(relock=True))

    def action_lock(self) -> None:
        if self.service.initialised and not self.is_locked_screen():
            self.show_lock()

    # ---- global actions -------------------------------------------------------------

    def action_help(self) -> None:
        from station.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_language(self) -> None:
        set_locale("en" if get_locale() == "zh_CN" else "zh_CN")
        self.title = t("tui.app.title")
        try:
            self.service.set_language(get_locale())  # the next start opens in it too
        except StationError as err:
            self.show_error(err)
        for screen in list(self.screen_stack):
            # A broken screen is built again instead: the new language may be all it needs.
            relabel = None if getattr(screen, "broken", False) else getattr(screen, "relabel",
                                                                            None)
            if relabel is not None:
                relabel()
            else:
                await screen.recompose()
                # Compose builds the widgets; filling them (data, focus) is on_mount's work.
                refill = getattr(screen, "on_mount", None)
                if refill is not None and not getattr(screen, "broken", False):
                    refill()
        if self.status is not None:
            self.refresh_status()

    def action_idle_settings(self) -> None:
        from station.tui.screens.settings import IdleLockModal

        if self.service.initialised and not self.service.locked:
            self.push_screen(IdleLockModal())

    def action_theme(self) -> None:
        self.theme = DEFAULT if self.theme == SUNLIGHT else SUNLIGHT

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette",
                                            placeholder=t("tui.palette.placeholder")))

    def action_serve(self) -> None:
        run = getattr(self.screen, "action_serve", None)
        if run is not None:
            run()
        else:
            self.notify(t("tui.desk.serve_from_desk"))

    def action_cases(self) -> None:
        from station.tui.screens.cases import CasesScreen
        from station.tui.screens.desk import DeskScreen

        if isinstance(self.screen, DeskScreen):
            self.push_screen(CasesScreen())
        else:
            self.notify(t("tui.desk.serve_from_desk"))

    def action_reports(self) -> None:
        from station.tui.screens.reports import ReportsScreen

        if self.service.initialised and not self.is_locked_screen() and not isinstance(
                self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def action_help_quit(self) -> None:
        # Ctrl+C: Textual's own hint is English-only; say it from the catalogue.
        self.notify(t("tui.quit_hint"))

    def action_sync(self) -> None:
        if not self.service.initialised:
            return
        self.notify(t("tui.sync.running"))
        self.background(self.service.sync_once, self._synced)

    def _synced(self, error: str | None) -> None:
        if error:
            self.notify(error, severity="warning", timeout=8)
        elif not self.service.enrolled:
            self.notify(t("tui.sync.not_enrolled"), severity="warning")
        else:
            self.notify(t("tui.sync.done"))
        self.refresh_status()

    async def action_quit(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._stop_sync is not None:
            self._stop_sync()
            self._stop_sync = None
        self.exit()

    # ---- errors never become tracebacks ---------------------------------------------

    def show_error(self, err: BaseException) -> None:
        if isinstance(err, StationError):
            self.notify(err.message(), severity="error", timeout=8)
            return
        # Only the type: the text may hold personal data.
        log.error("unexpected error in the UI: %s", type(err).__name__)
        self.unexpected.append(type(err).__name__)
        self.notify(t("common.unexpected"), severity="error", timeout=10)

    async def _dispatch_action(self, namespace: DOMNode, action_name: str, params: Any) -> bool:
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as err:
            self.show_error(err)
            return True

    def _handle_exception(self, error: Exception) -> None:
        # Last line of defence (a widget of Textual's own failed): say so in words and
        # keep running rather than print a traceback over the resident's data.
        inner = getattr(error, "error", error)
        self.show_error(inner if isinstance(inner, Exception) else error)


def run_app(language: str | None = None) -> None:
    """Entry point of `station` with no arguments; ``language`` from ``--lang`` (or
    ``$STATION_LANG``) overrides the language kept in the config for this run only."""
    import os

    from shared.i18n import LOCALES
    from station.service import open_service

    if language is None and os.environ.get("STATION_LANG") in LOCALES:
        language = os.environ["STATION_LANG"]

    try:
        service = open_service()
    except StationError as err:
        print(err.message())
        raise SystemExit(1) from None
    app = StationApp(service, language=language)
    try:
        app.run()
    finally:
        service.close()
