"""Draws of a duration (assessment work, a plan's length) from a standard normal, so they can be pre-drawn."""
from __future__ import annotations

import math

import numpy as np

from workforce_sim.scenario.schema import Duration


def _phi_upper(z: float) -> float:
    """1 - Phi(z), accurate in the upper tail."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


class DurationSampler:
    """Draws of one ``Duration`` from a standard normal z (so draws can be pre-generated)."""

    __slots__ = ("kind", "mean", "mu", "sigma")

    def __init__(self, d: Duration):
        self.kind = d.dist
        self.mean = float(d.mean_days)
        cv = float(d.cv)
        self.sigma = math.sqrt(math.log1p(cv * cv))
        self.mu = math.log(self.mean) - 0.5 * self.sigma ** 2

    def from_z(self, z: float) -> float:
        if self.kind == "fixed":
            return self.mean
        if self.kind == "exponential":
            return -self.mean * math.log(max(_phi_upper(z), 1e-300))
        return math.exp(self.mu + self.sigma * z)

    def length_biased(self, rng: np.random.Generator) -> float:
        """A draw from the length-biased distribution (the length of an interval seen open at a random time)."""
        if self.kind == "fixed":
            return self.mean
        if self.kind == "exponential":
            return float(rng.gamma(2.0, self.mean))
        return math.exp(self.mu + self.sigma ** 2 + self.sigma * float(rng.standard_normal()))
