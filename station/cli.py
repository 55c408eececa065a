"""The `station` command line: the same core services the TUI uses, scriptable.

Each command group lives in ``station/commands/<name>.py`` and exposes ``command``
(a click command or group); this module only assembles them, so parts of the
product add commands without touching each other.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from shared import clicktext
from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from station import commands

clicktext.install()  # Click's own texts (Usage:, Options:, errors) in the staff's language


class StationGroup(click.Group):
    """Turns every error into a sentence and an exit code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StationError as err:
            echo(err.message(), err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as err:
            import logging

            logging.getLogger("station").error("unexpected error: %s", type(err).__name__)
            echo(t("common.unexpected"), err=True)
            sys.exit(2)


@click.group(cls=StationGroup, invoke_without_command=True, help=t("cli.help_root"),
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default=None,
              help=t("cli.help_lang"))
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    if lang:
        from shared.i18n import set_locale

        set_locale(lang)
    if ctx.invoked_subcommand is not None:
        from station import notices

        notices.listen(lambda text: click.echo(text, err=True))
    if ctx.invoked_subcommand is None:
        from station.tui.app import run_app  # imported late: only the TUI needs Textual

        run_app(lang)


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        command = getattr(module, "command", None)
        if command is not None:
            cli.add_command(command)


_load_commands()


def main() -> None:
    cli(prog_name="station")
