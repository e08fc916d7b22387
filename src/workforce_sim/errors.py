"""Errors the user can act on: bad input (exit 2), failed runs (exit 1) and outputs that could not be written (exit 3).

A finding that is not an error has its own exit code: ``EXIT_NO_PLAN`` (4), an optimiser run whose
confirmed candidates all miss the confidence (the run is complete; its page says how close it came)."""
from __future__ import annotations

from collections.abc import Mapping

EXIT_NO_PLAN = 4   # a finding, not an error: no optimiser plan reaches the confidence


class InputError(Exception):
    """Bad input: a scenario, option or data file the user must fix.

    Printed as one line ``<file>: <key>: <message>`` with exit code 2.

    Input that is not a file is named by ``option``, the library's own name
    for it (``overrides``, ``grid``, ``executor``, ``scheduler``); a front end
    shows it under its own name with ``one_line(options)`` (the command line
    maps ``overrides`` to ``--set``). ``{option}`` in the message stands for
    that name too.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None, option: str | None = None):
        self.file = file
        self.key = key
        self.option = option
        self.message = message
        super().__init__(self.one_line())

    def one_line(self, options: Mapping[str, str] | None = None) -> str:
        """``<file or option>: <key>: <message>``; ``options`` maps option names to the names shown."""
        option = (options or {}).get(self.option, self.option) if self.option else None
        where = self.file or option
        parts = [p for p in (where, self.key) if p]
        text = " ".join(str(self.message).split())
        if option:
            text = text.replace("{option}", option)
        return ": ".join([*parts, text])


class RunError(Exception):
    """A failure inside a simulation run (exit code 1)."""


class WriteError(Exception):
    """An output that could not be written (disk full, read-only file system, no permission).

    Printed as one line saying what could not be written and what was kept, with
    exit code 3. Nothing already written is lost: every write goes to a
    temporary file or folder first (``workforce_sim.files``).
    """


class LockedError(Exception):
    """Something another wfsim process is working on (an optimiser study): exit 2, nothing done."""
