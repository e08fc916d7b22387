"""Named random streams: one SeedSequence per replication, one child per element.

The child for a name is keyed by a stable hash of the name, so a stream's
numbers do not depend on which other streams exist (common random numbers
across scenarios), nor on executor or worker count.

A few draws that move a whole replication (a council shock's year, a year's
change of the posts, a group's particle) are stratified across replications (``Streams.stratified``):
each block of ``STRATA`` replications takes one draw from each of ``STRATA``
equal strata, in an order of its own for every name and year (Latin hypercube
sampling). Each replication's draw is still uniform, so nothing is biased, but
the ensemble covers the range evenly: the median of 20 replications moves far
less from seed to seed (docs/validation.md).
"""
from __future__ import annotations

import _random
import hashlib
import math
import random
import zlib

import numpy as np

STRATA = 20        # replications per block of stratified draws (the backtest's and the library's 20 make one block)
_BLOCK_TAG = 0x5374726174   # marks the spawn keys of the blocks' orders apart from the replications' streams


def name_key(name: str) -> int:
    """Stable 32-bit key for a stream name."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Random generators for one replication, created on first use by name."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._generators: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, name_key(name)))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._generators[name] = gen
        return gen

    def keyed(self, name: str, key: str) -> Keyed:
        """The stream of element ``key`` (a post's identity) for ``name``: its numbers depend only
        on (seed, replication, name, key), so they are the same whatever else the run does."""
        return Keyed(self.seed, self.replication, name, key)

    def stratified(self, name: str, index: int) -> float:
        """Draw ``index`` of ``name`` as a uniform number in [0, 1), stratified across replications: the
        replications ``STRATA * b`` to ``STRATA * b + STRATA - 1`` of one seed take one number from each of
        the ``STRATA`` equal strata, in an order drawn for (seed, block, name, index), and a uniform place
        within the stratum from the replication's own draw. Depends only on (seed, replication, name,
        index): the same for any worker count and whatever else the run draws."""
        block, i = divmod(self.replication, STRATA)
        key = name_key(name)
        order = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
            entropy=self.seed, spawn_key=(_BLOCK_TAG, block, key, int(index))))).permutation(STRATA)
        within = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
            entropy=self.seed, spawn_key=(_BLOCK_TAG + 1, self.replication, key, int(index))))).random()
        return float((order[i] + within) / STRATA)

    def stratified_choice(self, name: str, index: int, n: int) -> int:
        """One of ``n`` equally likely values (its position) for draw ``index`` of ``name``, by ``stratified``."""
        return min(n - 1, int(self.stratified(name, index) * n))


class Keyed(random.Random):
    """One element's own random numbers (``Streams.keyed``): the standard library's generator seeded
    by a hash of (seed, replication, stream name, key). Cheap to create (a post has a few), so
    draws are keyed by identity: the n-th draw of a post's stream is the same in any scenario
    that has that post, however the rest of the run differs (common random numbers that pair)."""

    def __init__(self, seed: int, replication: int, name: str, key: str):
        digest = hashlib.blake2b(f"{int(seed)}|{int(replication)}|{name}|{key}".encode(), digest_size=16).digest()
        # what ``random.Random(n)`` does for an int n, without its checks of the seed's type (a post makes a few)
        _random.Random.seed(self, int.from_bytes(digest, "little"))
        self.gauss_next = None

    def exponential(self, mean: float) -> float:
        """Exp with this mean (by inversion: one uniform each)."""
        return -mean * math.log(1.0 - self.random()) if mean > 0 else 0.0

    def poisson(self, mean: float) -> int:
        """Poisson with this mean, by inversion of one uniform, so a larger mean never gives fewer
        from the same draw (a lever that raises the mean pairs draw by draw)."""
        if mean <= 0:
            return 0
        u = self.random()
        k, p = 0, math.exp(-mean)
        if p <= 0.0:  # a mean beyond inversion (about 745): the normal approximation, still monotone in u
            from statistics import NormalDist

            return max(0, int(round(mean + math.sqrt(mean) * NormalDist().inv_cdf(min(max(u, 1e-12), 1 - 1e-12)))))
        c = p
        while u > c and k < 10_000:
            k += 1
            p *= mean / k
            c += p
        return k

    def choice_index(self, p) -> int:
        """An index drawn with probabilities ``p`` (by inversion of one uniform)."""
        u = self.random() * float(sum(p))
        c = 0.0
        for i, q in enumerate(p):
            c += float(q)
            if u < c:
                return i
        return len(p) - 1


class MemberStreams:
    """A region member's streams: the region's, each name prefixed by the member's key, so that adding a
    member changes no other member's own draws. The first member of a region uses the region's streams
    unprefixed (``Streams`` itself), so a region of one draws what the council alone would."""

    def __init__(self, streams: Streams, key: str):
        self.streams = streams
        self.prefix = f"member:{key}:"
        self.seed = streams.seed
        self.replication = streams.replication

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        return self.streams.seed_sequence(self.prefix + name)

    def __getitem__(self, name: str) -> np.random.Generator:
        return self.streams[self.prefix + name]

    def keyed(self, name: str, key: str) -> Keyed:
        return self.streams.keyed(self.prefix + name, key)

    def stratified(self, name: str, index: int) -> float:
        return self.streams.stratified(self.prefix + name, index)

    def stratified_choice(self, name: str, index: int, n: int) -> int:
        return self.streams.stratified_choice(self.prefix + name, index, n)


def member_streams(streams: Streams, keys: list[str]) -> list:
    """One set of streams per member: the first member's are ``streams``, the others' prefixed by their key."""
    return [streams if i == 0 else MemberStreams(streams, key) for i, key in enumerate(keys)]
