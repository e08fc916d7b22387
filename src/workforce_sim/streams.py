"""Named random streams: one SeedSequence per replication, one child per element.

The child for a name is keyed by a stable hash of the name, so a stream's
numbers do not depend on which other streams exist (common random numbers
across scenarios), nor on executor or worker count.
"""
from __future__ import annotations

import zlib

import numpy as np


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


def member_streams(streams: Streams, keys: list[str]) -> list:
    """One set of streams per member: the first member's are ``streams``, the others' prefixed by their key."""
    return [streams if i == 0 else MemberStreams(streams, key) for i, key in enumerate(keys)]
