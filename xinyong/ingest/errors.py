"""Why a submitted file cannot be read at all (the message says why, in Chinese)."""

from __future__ import annotations


class ReadError(ValueError):
    """The file cannot be read; the message says why, in Chinese."""


class LimitError(ReadError):
    """The file is over a limit (size, rows, columns, an XLSX's uncompressed size or
    compression ratio); the message names the limit and its setting."""
