"""Live controls for notebooks and the app (``make app``): a slider per named lever, a Run button,
a progress bar, and the headline, the fan chart and the scorecard redrawn in place; "Save as
scenario" writes a YAML file that ``extends:`` the base scenario with the levers' values.

``Workbench(scenario).widget`` is what a notebook displays. Everything it shows is computed by
``workflows.run`` with the same seed as ``wfsim run SCENARIO --set LEVER=VALUE ...``, so the
figures are the command line's. ``ipywidgets`` is imported only here (the ``app`` extra).
"""
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import yaml

from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.files import write_text
from workforce_sim.reporting import html as fragments
from workforce_sim.reporting.pages import chance, esc, few_replications_warning, scenario_title
from workforce_sim.scenario import named_levers
from workforce_sim.scenario.loading import load_scenario

DEFAULT_LEVERS = ("nqsw_per_year", "time_to_hire_days", "market_supplement_gbp", "agency_cover_pct")


def headline_text(outcome: Any) -> str:
    """The answer of a run in one sentence: the main target's median at its date, its 90% interval and
    the chance of meeting it with that chance's own interval."""
    from workforce_sim.analysis.formats import format_value
    from workforce_sim.reporting.text import headline

    data, text = headline(outcome.scorecard)
    if not data:
        return "No target with a threshold is modelled for this scenario."
    u = data["unit"]
    return (f"{data['title']} at {fragments.nice_date(data['snapshot_date'])}: {format_value(data['median'], u)} "
            f"(90% interval {format_value(data['low'], u)} to {format_value(data['high'], u)}); "
            f"chance of {data['target_text']}: {chance(data['p_meet'], outcome.results.replications)}")


class Workbench:
    """Controls for named levers over one scenario, and what a run shows."""

    def __init__(self, scenario: str | Path, levers: Sequence[str] = DEFAULT_LEVERS, replications: int = 50,
                 seed: Optional[int] = None, workers: Optional[int] = None, overrides: Sequence[str] = ()) -> None:
        import ipywidgets as w

        self.path = Path(scenario)
        self.overrides = list(overrides)
        self.base = load_scenario(self.path, self.overrides)
        self.seed = DEFAULTS.seed if seed is None else seed
        self.workers = workers
        self.outcome: Any = None
        self.seconds: Optional[float] = None
        data = self.base.model_dump(mode="json")
        self.levers = []
        for name in levers:
            lever = named_levers.find(name)
            if lever is None:
                raise InputError(f"no named lever {name!r}; the levers: {', '.join(lv.id for lv in named_levers.LEVERS)}", key="levers")
            self.levers.append(lever)
        self.start: dict[str, float] = {}
        self.sliders: dict[str, Any] = {}
        style, layout = {"description_width": "16em"}, w.Layout(width="40em")
        for lever in self.levers:
            now = lever.current(data)
            now = lever.low if now is None else now
            self.start[lever.id] = now
            cls = w.IntSlider if lever.integer else w.FloatSlider
            self.sliders[lever.id] = cls(value=now, min=min(lever.low, now), max=max(lever.high, now), step=lever.step,
                                         description=lever.label, tooltip=lever.help, style=style, layout=layout,
                                         continuous_update=False)
            self.sliders[lever.id].add_class(f"lever-{lever.id}")
        self.units = {lever.id: w.Label(lever.unit) for lever in self.levers}
        self.replications = w.Dropdown(options=[20, 50, 100, 200, 500], value=replications if replications in (20, 50, 100, 200, 500) else 50,
                                       description="Futures to simulate", style=style)
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.run_button.add_class("wfsim-run")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="", layout=w.Layout(width="30em"))
        self.headline = w.HTML(f"<p class='wfsim-headline'>Press Run to simulate {self.base.name}.</p>")
        self.chart = w.Image(format="png", layout=w.Layout(max_width="60em", display="none"))
        self.chart.add_class("wfsim-fan")
        self.card = w.HTML()
        self.card.add_class("wfsim-scorecard")
        self.save_name = w.Text(placeholder="name of the new scenario", description="Save as", style={"description_width": "5em"})
        self.save_button = w.Button(description="Save as scenario", icon="save")
        self.saved = w.HTML()
        self.run_button.on_click(lambda _: self.run())
        self.save_button.on_click(lambda _: self._save_clicked())
        rows = [w.HBox([self.sliders[lv.id], self.units[lv.id]]) for lv in self.levers]
        self.widget = w.VBox([
            w.HTML(f"<h3>{esc(scenario_title(self.base))}</h3>"),
            *rows, self.replications, w.HBox([self.run_button, self.progress]),
            self.headline, self.chart, self.card, w.HBox([self.save_name, self.save_button]), self.saved,
        ])

    def values(self) -> dict[str, float]:
        """The levers moved from the scenario's own values: id -> value."""
        out = {}
        for lever in self.levers:
            v = self.sliders[lever.id].value
            if abs(v - self.start[lever.id]) > 1e-9:
                out[lever.id] = int(v) if lever.integer else float(v)
        return out

    def set_overrides(self) -> list[str]:
        """The ``--set`` options a command line gives for the same run."""
        return [*self.overrides, *(f"{k}={v}" for k, v in self.values().items())]

    def run(self) -> Any:
        """Simulate with the levers' values, then redraw the headline, the fan chart and the scorecard."""
        from workforce_sim.workflows import run as run_workflow

        self.run_button.disabled = True
        self.headline.value = "<p class='wfsim-headline wfsim-running'>Simulating...</p>"
        started = time.perf_counter()
        try:
            spec = run_workflow.prepare(self.path, int(self.replications.value), self.seed, overrides=self.set_overrides(),
                                        workers=self.workers)
            self.progress.max, self.progress.value = spec.total_replications, 0

            def update(n: int = 1) -> None:
                self.progress.value = min(self.progress.max, self.progress.value + n)

            self.outcome = run_workflow.execute(spec, update)
        except InputError as exc:
            self.headline.value = f"<p class='wfsim-headline wfsim-error'>{esc(exc)}</p>"
            return None
        finally:
            self.run_button.disabled = False
        self.seconds = time.perf_counter() - started
        self.progress.value = self.progress.max
        self.show(self.outcome)
        return self.outcome

    def show(self, outcome: Any) -> None:
        """Redraw the headline, the fan chart and the scorecard from a run's outcome."""
        from workforce_sim.analysis import targets
        from workforce_sim.reporting import plots

        moved = ", ".join(f"{named_levers.find(k).label} {v:g}" for k, v in self.values().items()) or "the scenario as written"
        n = outcome.results.replications
        self.headline.value = (f"<p class='wfsim-headline' style='font-size:1.2em;background:#eef4fb;padding:0.5em'>"
                               f"{esc(headline_text(outcome))}</p><p style='color:#555'>With {esc(moved)}; "
                               f"{n} futures, seed {self.seed}.</p>{few_replications_warning(n)}")
        self.card.value = fragments.scorecard(outcome.scorecard)
        perm = targets.permanence(outcome.results.scenario)
        fig = plots.fan_chart(targets.series(perm, outcome.results), title=perm.title, ylabel="Permanent staff (% of filled FTE)",
                              percent=True, target=perm.threshold,
                              target_label=f"target ({perm.threshold:.0%})" if perm.threshold is not None else "target",
                              target_date=perm.date if perm.threshold is not None else None)
        self.chart.value = plots.png(fig)
        self.chart.layout.display = None

    def _save_clicked(self) -> None:
        try:
            path = self.save(self.save_name.value)
        except InputError as exc:
            self.saved.value = f"<p class='wfsim-error'>{esc(exc)}</p>"
            return
        self.saved.value = f"<p class='wfsim-saved'>Saved {esc(path)}: run it with <code>wfsim run {esc(path)}</code></p>"

    def save(self, name: str, folder: Optional[Path] = None) -> Path:
        """Write ``NAME.yaml`` beside the base scenario (or in ``folder``): it ``extends:`` the base and
        sets the moved levers by their labels. An existing file is not overwritten."""
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,80}", name):
            raise InputError("a scenario name is letters, digits, '_' and '-' (at most 81)", key="save as")
        folder = Path(folder) if folder is not None else self.path.parent
        target = folder / f"{name}.yaml"
        if target.exists():
            raise InputError(f"{target} exists: choose another name", key="save as")
        base = Path(self.path).resolve()
        try:
            extends = str(base.relative_to(folder.resolve()))
        except ValueError:
            extends = str(base)
        body: dict[str, Any] = {"extends": extends, "name": name,
                                "description": f"{self.base.name} with " + (", ".join(
                                    f"{named_levers.find(k).label} {v:g} {named_levers.find(k).unit}" for k, v in self.values().items())
                                    or "no lever moved")}
        sets: dict[str, Any] = {}
        for item in self.overrides:          # as the command line applies them: overrides, then the levers
            key, _, value = item.partition("=")
            sets[key.strip()] = yaml.safe_load(value)
        sets.update({named_levers.find(k).label: v for k, v in self.values().items()})
        if sets:
            body["set"] = sets
        text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
        write_text(target, text)
        load_scenario(target)        # what was written loads
        return target
