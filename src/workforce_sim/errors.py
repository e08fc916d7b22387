"""Errors the user can act on: bad input (exit 2) and failed runs (exit 1)."""
from __future__ import annotations


class InputError(Exception):
    """Bad input: a scenario, option or data file the user must fix.

    Printed as one line ``<file>: <key>: <message>`` with exit code 2.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        text = " ".join(str(self.message).split())
        return ": ".join([*parts, text])


class RunError(Exception):
    """A failure inside a simulation run (exit code 1)."""
