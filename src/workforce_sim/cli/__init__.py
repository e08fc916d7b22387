"""The ``wfsim`` command line."""
from workforce_sim.cli.main import main

__all__ = ["main"]
