"""Files holding personal data, readable only by the platform's own user.

Rejected-row files, bulk-check inputs and results, exports and audit checkpoints are created
with mode 0600, and the folders the platform creates for them with mode 0700, whatever the
umask. A folder that already exists (say, the folder an operator's input file is in) keeps
its mode.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700; return it."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # created meanwhile by another process
        folder.chmod(DIR_MODE)  # mkdir's mode is subject to the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 (an existing file is emptied and gets 0600), so
    that any writer opening it afterwards writes into a private file; return it."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private_bytes(path: Path, data: bytes) -> Path:
    private_file(path)
    with path.open("wb") as out:
        out.write(data)
    return path


def write_private_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_private_bytes(path, text.encode(encoding))
