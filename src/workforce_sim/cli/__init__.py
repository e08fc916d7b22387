"""The ``wfsim`` command line."""
import sys

try:
    from workforce_sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported: one line, no traceback
    print("wfsim: interrupted", file=sys.stderr)
    sys.exit(130)

__all__ = ["main"]
