"""The ``wfsim`` command line."""
import os
import sys

try:
    from workforce_sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported: one line, no traceback
    print("wfsim: interrupted", file=sys.stderr)
    sys.exit(130)

__all__ = ["entry", "main"]


def entry() -> None:
    """The ``wfsim`` command (and ``python -m workforce_sim``): run one command and exit with its code.

    After Ctrl-C (exit 130) the process ends at once: the command has stopped its worker processes and
    said so in one line, and Python's own exit would wait for the threads of a process pool that a
    worker stopped mid-reply may never release."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    if code == 130:
        os._exit(130)
    sys.exit(code)
