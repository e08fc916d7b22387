"""The outputs of ``wfsim calibrate``: the calibrated scenario file (never overwriting) and the text."""
from __future__ import annotations

from pathlib import Path

import yaml

from workforce_sim.errors import InputError
from workforce_sim.files import atomic_path


def write_scenario(outcome) -> Path:
    """Write the scenario of a ``workflows.calibrate.CalibrateOutcome`` to its ``out`` (it must load; never overwrites)."""
    from workforce_sim.scenario.loading import load_scenario

    spec, post = outcome.spec, outcome.posterior
    out = spec.out
    header = (f"# {post.council}: parameters calibrated by 'wfsim calibrate' (ABC-SMC, pyabc) to the published history "
              f"{post.window[0] + 1}-{post.window[1]};\n# each replication takes one particle of the posterior (group "
              f"'calibration'). Seed {spec.seed}, {spec.population} particles x {spec.generations} generations.\n")
    text = header + yaml.safe_dump(outcome.data, sort_keys=False, allow_unicode=True, width=120)
    if out.exists():
        raise InputError("exists; choose another file (calibrate never overwrites)", file="--out", key=str(out))
    with atomic_path(out) as tmp:   # complete or absent; never overwrites
        tmp.write_text(text, encoding="utf-8")
        load_scenario(tmp)          # the written scenario must load
    return out


def summary_text(outcome) -> str:
    post, out = outcome.posterior, outcome.spec.out
    summary = post.summary()
    lines = [f"{post.council}: history {post.window[0] + 1}-{post.window[1]} ({len(post.observed)} published figures), "
             f"{post.simulations} simulations, distance {post.epsilons[-1]:.2f} points at the last generation" if post.epsilons else "",
             f"{'parameter':<22} {'median':>8} {'90% interval':>20} {'prior':>16}"]
    for r in summary.itertuples():
        lines.append(f"{r.parameter:<22} {r.median:>8.3f} {r.p5:>9.3f} - {r.p95:<8.3f} {r.prior_low:>7.3f} - {r.prior_high:<7.3f}")
    lines.append(f"wrote {out}")
    return "\n".join(lines)


def summary_json(outcome) -> str:
    from workforce_sim.reporting.text import to_json

    post = outcome.posterior
    return to_json({"council": post.council, "through": post.through, "window": list(post.window), "simulations": post.simulations,
                    "epsilons": post.epsilons, "parameters": post.summary().to_dict("records"), "out": str(outcome.spec.out)})
