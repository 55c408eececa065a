"""Asking fontconfig's command-line tools (fc-match, fc-list) which font files there are.

Why its own module: the main CJK face (``fonts``) and the fallback faces (``coverage``)
are both found this way, and ``fonts`` builds on ``coverage``; a missing tool or a hung
call answers "nothing found", and the caller says what is missing.
Output format: https://www.freedesktop.org/software/fontconfig/fontconfig-user.html
(``-f`` takes a pattern format such as ``%{file}\t%{index}\n``).
"""

from __future__ import annotations

import shutil
import subprocess


def fc(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    try:
        return subprocess.run([exe, *args[1:]], capture_output=True, text=True,
                              timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
