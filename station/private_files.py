"""Files the station writes are for the staff account alone: folders 0700, files 0600.

Why not rely on the umask: a desktop session's umask is usually 022, so every file
would be readable by any other account on the laptop (a shared training account, a
guest session, a backup tool). Papers carry names and masked ID numbers, the queue and
inbox carry ciphertexts and their clear codes, the config carries the station's keys.
Files an older version left 0644 are tightened when the station next opens them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_SIDES = ("-wal", "-shm", "-journal")


def private_dir(folder: Path) -> Path:
    """``folder`` (and missing parents) created; ``folder`` itself made 0700."""
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _chmod(folder, DIR_MODE)
    return folder


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file, then rename), mode 0600
    from the first byte: the file is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, FILE_MODE)  # an existing .part may have had another mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_private_text(path: Path, text: str) -> Path:
    return write_private(path, text.encode("utf-8"))


def tighten(path: Path) -> None:
    """``path`` and its SQLite side files to 0600, where they exist."""
    for one in (path, *(Path(f"{path}{side}") for side in SQLITE_SIDES)):
        _chmod(one, FILE_MODE)


def tighten_tree(folder: Path) -> None:
    """Every folder under ``folder`` 0700 and every file 0600 (symlinks left alone)."""
    if not folder.is_dir():
        return
    _chmod(folder, DIR_MODE)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            _chmod(Path(root) / name, DIR_MODE)
        for name in files:
            _chmod(Path(root) / name, FILE_MODE)


def too_open(folders: Iterable[Path]) -> Iterator[Path]:
    """Files and folders under ``folders`` that others may read (for doctor and verify)."""
    for folder in folders:
        if not folder.is_dir():
            continue
        if _mode(folder) & 0o077:
            yield folder
        for root, dirs, files in os.walk(folder):
            for name in (*dirs, *files):
                one = Path(root) / name
                if not one.is_symlink() and _mode(one) & 0o077:
                    yield one


def _mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.lstat().st_mode)
    except OSError:
        return 0


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.is_symlink() or not path.exists():
            return
        if _mode(path) != mode:
            path.chmod(mode)
    except OSError:
        return  # not ours (e.g. another account's file): doctor reports it
