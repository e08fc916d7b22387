"""Uncertain parameters: a number, or a distribution sampled once per replication.

A scenario value written as ``{dist: uniform, low: 0.1, high: 0.2}`` (or the
range shorthand ``[0.1, 0.2]``) is drawn once at the start of each replication
from its own random stream, keyed by the parameter's dotted path, so that the
draw for one parameter does not depend on which other parameters are uncertain.

A posterior sample (``wfsim calibrate``) is written as ``{dist: empirical, values: [...],
weights: [...], group: NAME}``: every parameter of one group takes the same particle
in a replication (one draw from the stream ``group:NAME``), so the joint sample, its
correlations included, is reproduced.
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def support(self) -> tuple[float, float]:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator) -> float:  # pragma: no cover - overridden
        raise NotImplementedError


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


class Triangular(_Dist):
    """Triangular with ``low`` <= ``mode`` <= ``high``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.triangular(self.low, self.mode, self.high))


class Normal(_Dist):
    """Normal(mean, sd), truncated to [low, high] when given (by resampling)."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float = -math.inf
    high: float = math.inf

    @model_validator(mode="after")
    def _order(self) -> Normal:
        if not (self.low <= self.mean <= self.high):
            raise ValueError("need low <= mean <= high")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def sample(self, rng: np.random.Generator) -> float:
        for _ in range(1000):
            x = float(rng.normal(self.mean, self.sd))
            if self.low <= x <= self.high:
                return x
        return float(min(max(self.mean, self.low), self.high))


class Empirical(_Dist):
    """One of ``values`` (a weighted sample, e.g. a posterior's particles), drawn with ``weights``.

    Parameters sharing a ``group`` draw the same index in a replication."""

    dist: Literal["empirical"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None
    group: str | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights: {len(self.weights)} given for {len(self.values)} values")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights: must be >= 0 with a positive sum")
        return self

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def pick(self, u: float) -> float:
        """The value whose cumulative weight first exceeds ``u`` (0 <= u < 1)."""
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, dtype=float)
        cum = np.cumsum(w) / w.sum()
        return float(self.values[min(int(np.searchsorted(cum, u, side="right")), len(self.values) - 1)])

    def sample(self, rng: np.random.Generator) -> float:
        return self.pick(float(rng.random()))


Distribution = Annotated[Union[Uniform, Triangular, Normal, Empirical], Field(discriminator="dist")]


def _range_shorthand(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return {"dist": "uniform", "low": value[0], "high": value[1]}
    if isinstance(value, dict) and "dist" not in value and set(value) == {"low", "high"}:
        return {"dist": "uniform", **value}
    return value


def _bounded(ge: float | None, le: float | None, gt: float | None, whole: bool = False):
    def check(value: Any) -> Any:
        lo, hi = (value, value) if isinstance(value, (int, float)) else value.support()
        if ge is not None and lo < ge:
            raise ValueError(f"must be >= {ge} (got {lo})")
        if gt is not None and lo <= gt:
            raise ValueError(f"must be > {gt} (got {lo})")
        if le is not None and hi > le:
            raise ValueError(f"must be <= {le} (got {hi})")
        if isinstance(value, (int, float)):
            return int(value) if whole else float(value)
        return value

    return check


class _WholeNumber:
    """Marks a count: a number given is a whole number, a draw is rounded to one."""


WHOLE_NUMBER = _WholeNumber()


def _whole(value: Any) -> Any:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"must be a whole number (got {value})")
    return value


def Uncertain(ge: float | None = None, le: float | None = None, gt: float | None = None) -> Any:
    """Type of a parameter that may be a number or a distribution within bounds."""
    return Annotated[
        Union[float, Distribution],
        BeforeValidator(_range_shorthand),
        AfterValidator(_bounded(ge, le, gt)),
    ]


def UncertainCount(ge: float | None = 0) -> Any:
    """Type of a count (e.g. NQSWs in a cohort) that may be a whole number or a distribution;
    each draw is rounded to the nearest whole number."""
    return Annotated[
        Union[int, Distribution],
        BeforeValidator(_range_shorthand),
        BeforeValidator(_whole),
        AfterValidator(_bounded(ge, None, None, whole=True)),
        WHOLE_NUMBER,
    ]


def _is_count(field: Any) -> bool:
    return any(m is WHOLE_NUMBER for m in getattr(field, "metadata", ()))


def _resolve(obj: Any, path: str, draw, whole: bool = False) -> Any:
    if isinstance(obj, _Dist):
        return draw(path, obj, whole)
    if isinstance(obj, BaseModel):
        updates = {}
        for name, field in type(obj).model_fields.items():
            value = getattr(obj, name)
            new = _resolve(value, f"{path}.{name}" if path else name, draw, _is_count(field))
            if new is not value:
                updates[name] = new
        return obj.model_copy(update=updates) if updates else obj
    if isinstance(obj, list):
        new_list = [_resolve(v, f"{path}.{i}", draw) for i, v in enumerate(obj)]
        return new_list if any(a is not b for a, b in zip(new_list, obj)) else obj
    if isinstance(obj, dict):
        new_dict = {k: _resolve(v, f"{path}.{k}", draw) for k, v in obj.items()}
        return new_dict if any(new_dict[k] is not obj[k] for k in obj) else obj
    return obj


def uncertain_paths(obj: Any) -> list[str]:
    """Dotted paths of every parameter given as a distribution."""
    found: list[str] = []

    def note(path: str, dist: _Dist, whole: bool = False) -> _Dist:
        found.append(path)
        return dist

    _resolve(obj, "", note)
    return found


def sample_parameters(obj: BaseModel, rng_for, group_uniform=None) -> tuple[BaseModel, dict[str, float]]:
    """Replace every distribution in ``obj`` by one draw (a count's draw rounded to a whole number).

    ``rng_for(path)`` returns the generator for the parameter at ``path``; an
    empirical distribution with a group uses one uniform draw per group, ``group_uniform(name)``
    (e.g. stratified across replications), by default from ``rng_for("group:" + name)``.
    Returns the resolved object and the drawn values by path.
    """
    drawn: dict[str, float] = {}
    groups: dict[str, float] = {}

    def draw(path: str, dist: _Dist, whole: bool = False) -> float:
        if isinstance(dist, Empirical) and dist.group is not None:
            if dist.group not in groups:
                groups[dist.group] = (float(group_uniform(dist.group)) if group_uniform is not None
                                      else float(rng_for("group:" + dist.group).random()))
            value = dist.pick(groups[dist.group])
        else:
            value = dist.sample(rng_for(path))
        if whole:
            value = int(math.floor(value + 0.5))
        drawn[path] = float(value)
        return value

    return _resolve(obj, "", draw), drawn


def scaled(value: Any, factor: float) -> Any:
    """``value`` (a number or a distribution) times ``factor``, as a value a scenario accepts:
    a number is multiplied (a whole number stays whole when ``factor`` is); a distribution
    has its bounds, mode, mean and sd multiplied (e.g. to double an NQSW intake given as a range)."""
    if isinstance(value, _Dist):
        out = value.model_dump()
        for key in ("low", "high", "mode", "mean", "sd"):
            if key in out and math.isfinite(out[key]):
                out[key] = out[key] * factor
        if factor < 0:
            out["low"], out["high"] = out["high"], out["low"]
        return out
    result = value * factor
    return int(result) if isinstance(value, int) and float(result).is_integer() else result
