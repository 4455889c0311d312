"""The drift report: every way two servers' answers to the same probes differ, row by row.

Between the two built-in profiles it is docs/profiles.md's list of where JIM's documentation and its server
part company, measured rather than written down; against a live JIM (`--base-url`) it shows where that
server answers otherwise than the profiles say.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass

from mockserver.drift.answers import NONE, Answer, answer, shape_change
from mockserver.drift.probes import PROBES, SANDBOX, Ids, Probe, Target, ask
from mockserver.text import quoted

EXAMPLES = 3
"""Places in a body whose values are listed per probe (the shallowest first), and values per place."""
WIDTH = 40
"""Characters of a value shown."""
AGREE = "\N{EN DASH}"


# --- differences ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A value that differs: at a place in the body (two places, alike but for case), or in a header."""

    where: str
    left: str
    right: str
    right_where: str = ""
    """Where the right sends it, when not where the left does."""


@dataclass(frozen=True)
class Row:
    probe: Probe
    status: tuple[str, str] | None
    media_type: tuple[str, str] | None
    shape: tuple[str, ...] | None
    """Both shapes, or (one text) the keys the right adds and drops where the two bodies are mostly alike."""
    values: tuple[Change, ...]
    """Body values that differ and were not listed for an earlier probe."""
    headers: tuple[Change, ...]
    """Headers that differ, but not alike on every response, and were not listed for an earlier probe."""
    repeats: bool
    """Whether it has differences listed elsewhere in the report and left out here."""

    @property
    def aspects(self) -> frozenset[str]:
        """What differs, by column ("values" and "headers" share the last)."""
        differs = {
            "status": self.status is not None,
            "content type": self.media_type is not None,
            "body shape": self.shape is not None,
            "values": bool(self.values),
            "headers": bool(self.headers),
        }
        return frozenset(name for name, it_does in differs.items() if it_does)


@dataclass(frozen=True)
class Report:
    rows: tuple[Row, ...]
    every_response: tuple[Change, ...]
    """Headers differing alike on every probe's answer, listed once."""

    @property
    def differing(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.aspects)

    @property
    def agreeing(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if not row.aspects)

    @property
    def differs(self) -> bool:
        return bool(self.differing or self.every_response)


def compare(left: str, right: str, ids: Ids = SANDBOX, probes: Sequence[Probe] = PROBES) -> Report:
    """Send every probe to both targets (a built-in profile's name or a URL each) and compare the answers."""
    answers = []
    with ExitStack() as stack:
        targets = (Target(left, ids, stack), Target(right, ids, stack))
        for probe in probes:
            first, second = (answer(response) for response in ask(probe, targets))
            answers.append((probe, first, second))
    return report(answers)


def report(answers: Sequence[tuple[Probe, Answer, Answer]]) -> Report:
    """Every difference listed once: a header differing alike on every answer in a row of its own, and a
    value or header listed for one probe not again for the next (the vocabulary shows on every page)."""
    headers = [header_changes(left, right) for _, left, right in answers]
    everywhere = [change for change in headers[0] if all(change in found for found in headers)] if headers else []
    listed: set[Change] = set()
    rows = []
    for (probe, left, right), found in zip(answers, headers, strict=True):
        values, own = value_changes(left, right), [change for change in found if change not in everywhere]
        new_values = first_places([change for change in values if change not in listed])
        new_headers = [change for change in own if change not in listed]
        repeats = any(change in listed for change in [*values, *own])
        listed.update(new_values, new_headers)
        rows.append(
            Row(
                probe,
                differ(left.status, right.status),
                differ(left.media_type, right.media_type),
                shape_change(left, right),
                tuple(new_values),
                tuple(new_headers),
                repeats,
            )
        )
    return Report(tuple(rows), tuple(everywhere))


def differ(left: str, right: str) -> tuple[str, str] | None:
    return None if left == right else (left, right)


def header_changes(left: Answer, right: Answer) -> list[Change]:
    names = sorted(set(left.headers) | set(right.headers))
    return [
        Change(name, left.headers.get(name, NONE), right.headers.get(name, NONE))
        for name in names
        if left.headers.get(name) != right.headers.get(name)
    ]


def value_changes(left: Answer, right: Answer) -> list[Change]:
    """Every distinct pair of values that differ at one place (paired in the order sent), and the first values
    of places alike but for their last key's case (`validationErrors.page[]`, `errors.Page[]`); shallowest
    places first, then in the order sent."""
    ranked: list[tuple[int, int, Change]] = []
    right_only = [path for path in right.leaves if path not in left.leaves]
    for order, (path, values) in enumerate(left.leaves.items()):
        if path in right.leaves:
            others = right.leaves[path]
            pairs = [(a, b) for a, b in zip(values, others, strict=False) if a != b]
            if not pairs and len(values) != len(others):
                pairs = [(f"{len(values)} values", f"{len(others)} values")]
            ranked += [(depth(path), order, Change(path, *excerpts(a, b))) for a, b in dict.fromkeys(pairs)]
            continue
        twin = next((p for p in right_only if last_key(p) == last_key(path) and depth(p) == depth(path)), None)
        if twin is not None:
            right_only.remove(twin)
            ranked.append((depth(path), order, Change(path, *excerpts(values[0], right.leaves[twin][0]), twin)))
    ranked.sort(key=lambda entry: entry[:2])
    return list(dict.fromkeys(change for *_, change in ranked))


def first_places(changes: Sequence[Change]) -> list[Change]:
    """The changes at the first EXAMPLES places, at most EXAMPLES at each."""
    places: dict[str, list[Change]] = {}
    for change in changes:
        if change.where in places or len(places) < EXAMPLES:
            places.setdefault(change.where, []).append(change)
    return [change for at in places.values() for change in at[:EXAMPLES]]


def depth(path: str) -> int:
    return path.count(".") + path.count("[]")


def last_key(path: str) -> str:
    return path.rsplit(".", 1)[-1].lower()


def excerpts(left: str, right: str) -> tuple[str, str]:
    """Both values cut to WIDTH; two alike for most of that are shown from a word before they part (at most
    half the width before, in a long word)."""
    pairs = enumerate(zip(left, right, strict=False))
    common = next((n for n, (a, b) in pairs if a != b), min(len(left), len(right)))
    start = max(left.rfind(" ", 0, common - 1) + 1, common - WIDTH // 2) if common > WIDTH - 10 else 0
    if start:
        left, right = "…" + left[start:], "…" + right[start:]
    return quoted(left, WIDTH), quoted(right, WIDTH)
