"""Workflows: one module per command (run, report, compare, sweep, optimise,
calibrate, backtest, schedule). Each has ``prepare(...) -> Spec`` (checks the
options, loads the scenario once, resolves the investment baseline once, holds
the run defaults) and ``execute(spec) -> Outcome`` (a typed result). The CLI,
the notebooks and the app call these; ``reporting`` renders the outcomes.
"""
