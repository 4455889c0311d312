"""The one bounded memo every cache uses, so each stage's bound and hit figures read the same way."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class MemoFigures:
    """What a memo did since start-up: how often a stage's work was found already done."""

    name: str
    bound: int
    entries: int
    hits: int
    misses: int
    evictions: int

    @property
    def hit_rate(self) -> float:
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0

    def line(self) -> str:
        return (
            f"memo {self.name}: {self.entries:,} of {self.bound:,} kept, {self.hits:,} hits, {self.misses:,} misses "
            f"({self.hit_rate:.1%} hit), {self.evictions:,} evicted"
        )


class Memo(Generic[K, V]):
    """At most `bound` results of a pure function of the key, the least recently used out first.

    A caller puts only results: a key whose work raised (a refusal) is worked out afresh every time.
    Values are never None, which `get` returns for a key not kept.
    """

    def __init__(self, name: str, bound: int) -> None:
        if bound < 1:
            raise ValueError(f"memo {name}: the bound must be at least 1, not {bound}")
        self.name = name
        self.bound = bound
        self.kept: OrderedDict[K, V] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def get(self, key: K) -> V | None:
        """The result kept for `key`, counted as a hit, or None, counted as a miss."""
        found = self.kept.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.kept.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> V:
        self.kept[key] = value
        self.kept.move_to_end(key)
        if len(self.kept) > self.bound:
            self.kept.popitem(last=False)
            self.evictions += 1
        return value

    def figures(self) -> MemoFigures:
        return MemoFigures(self.name, self.bound, len(self.kept), self.hits, self.misses, self.evictions)


class Memos:
    """The memos of one app, by name, so a benchmark or the shutdown log can read their figures."""

    def __init__(self) -> None:
        self.by_name: dict[str, Memo[object, object]] = {}

    def new(self, name: str, bound: int) -> Memo[K, V]:
        if name in self.by_name:
            raise ValueError(f"memo {name!r} already exists")
        memo: Memo[K, V] = Memo(name, bound)
        self.by_name[name] = memo  # type: ignore[assignment]
        return memo

    def __iter__(self) -> Iterator[MemoFigures]:
        return (memo.figures() for memo in self.by_name.values())
