"""Reading the user's files: regular files only, a size limit, and text that is UTF-8 or UTF-16.

Every file a scenario names (the scenario itself, the files it ``extends:``,
staff and leavers lists) is read here and nowhere else: a named pipe, a device
or a folder is refused before anything is read (a pipe would wait for ever), a
file larger than its limit is refused after reading at most one byte more, and
text that is not UTF-8 (with or without a byte-order mark) or UTF-16 with its
mark is refused with the offset of the first bad byte, never with its content.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from workforce_sim.errors import InputError
from workforce_sim.scenario.schema.base import CELL_CHARS, cut, shown

__all__ = ["CELL_CHARS", "cut", "decode_text", "read_bytes", "read_text", "shown"]


def decode_text(raw: bytes, kind: str = "YAML") -> str:
    """Text of a file: UTF-8 (with or without a byte-order mark) or UTF-16 with its mark;
    anything else is refused with the byte offset of the first undecodable byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not valid UTF-16 at byte {exc.start}") from None
    nul = raw.find(b"\x00", 0, 4096)
    if nul >= 0:
        raise ValueError(f"binary file (NUL byte at byte {nul}), not {kind} text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text: byte {exc.start} is 0x{raw[exc.start]:02x} (save the file as UTF-8)") from None


def read_bytes(path: Path, limit: int, what: str, name: str | None = None) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``; ``InputError`` (naming ``name``, default the path)
    for a missing file, a folder, a pipe or device, a file that cannot be read or one larger than ``limit``
    (``what`` says what the file should have been: "a scenario file")."""
    name = str(path) if name is None else name
    try:
        # O_NONBLOCK: opening a named pipe does not wait for a writer (it is refused just below)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a folder, not a file", file=name)
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file (a pipe, device or socket): not {what}", file=name)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            raw = fh.read(limit + 1)
    except OSError as exc:
        msg = "is a folder, not a file" if exc.errno == errno.EISDIR else f"cannot read: {exc.strerror}"
        raise InputError(msg, file=name) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > limit:
        raise InputError(f"larger than {limit:,} bytes: not {what}", file=name)
    return raw


def read_text(path: Path, limit: int, what: str, kind: str = "YAML", name: str | None = None) -> str:
    """The text of a regular file of at most ``limit`` bytes (see ``read_bytes`` and ``decode_text``)."""
    raw = read_bytes(path, limit, what, name)
    try:
        return decode_text(raw, kind)
    except ValueError as exc:
        raise InputError(str(exc), file=str(path) if name is None else name) from None
