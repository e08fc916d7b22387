from workforce_sim.cli import entry

entry()
