"""The drift report as Markdown: one table row per differing probe, and the copy kept in docs/profiles.md."""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.drift.report import AGREE, WIDTH, Change, Report
from mockserver.settings import PROJECT_ROOT
from mockserver.text import quoted


def as_markdown(report: Report, left: str, right: str) -> str:
    """The same bytes for the same answers."""
    lines = [
        f"Left `{left}`, right `{right}`. Each cell is left → right where they differ, {AGREE} where they agree;"
        " `…` is `/api/v1/activities`, and error timestamps and trace ids are masked.",
        "",
    ]
    if not report.differs:
        return "\n".join([*lines, f"No differences: all {len(report.rows)} probes agree.", ""])
    lines += ["| Request | Status | Content type | Body shape | Example values |", "|---|---|---|---|---|"]
    for row in report.differing:
        cells = [
            f"{row.probe.name}: {code(row.probe.request())}",
            " → ".join(row.status) if row.status else AGREE,
            arrow(row.media_type),
            arrow(row.shape),
            "; ".join([*grouped(row.values), *grouped(row.headers, header=True)]) or AGREE,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    for change in report.every_response:
        lines.append(f"| every response | {AGREE} | {AGREE} | {AGREE} | {grouped([change], header=True)[0]} |")
    agreeing = report.agreeing
    if agreeing:
        besides = " but for what is listed above" if report.every_response or any(r.repeats for r in agreeing) else ""
        names = ", ".join(row.probe.name for row in agreeing)
        lines += ["", f"{len(agreeing)} further probes agree{besides}: {names}."]
    return "\n".join(lines) + "\n"


def grouped(changes: Sequence[Change], header: bool = False) -> list[str]:
    """One code span per place: `where: a → b, c → d`."""
    spans: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        left, right = (quoted(v, WIDTH) for v in (change.left, change.right)) if header else (change.left, change.right)
        right = f"{change.right_where}: {right}" if change.right_where else right
        spans.setdefault((change.where, change.right_where), []).append(f"{left} → {right}")
    return [code(f"{title(where) if header else where}: {', '.join(pairs)}") for (where, _), pairs in spans.items()]


def arrow(sides: tuple[str, ...] | None) -> str:
    """left → right, or one text that says how they differ."""
    return " → ".join(code(side) for side in sides) if sides else AGREE


def code(text: str) -> str:
    """A Markdown code span that keeps to its table cell."""
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def title(header: str) -> str:
    return "-".join(part.capitalize() for part in header.split("-"))


# --- the docs' copy ----------------------------------------------------------------------------------

DOCS_PAGE = PROJECT_ROOT / "docs" / "profiles.md"
"""Where the report of the built-in profiles is kept, between its markers (`make drift ARGS=--write-readme`)."""
SECTION_START = "<!-- drift:start -->"
SECTION_END = "<!-- drift:end -->"


def section(page: str) -> str:
    """The report as the page holds it, between its markers."""
    start, end = page.index(SECTION_START) + len(SECTION_START), page.index(SECTION_END)
    return page[start:end].strip("\n") + "\n"


def with_section(page: str, text: str) -> str:
    """The page with `text` between its markers."""
    start, end = page.index(SECTION_START) + len(SECTION_START), page.index(SECTION_END)
    return f"{page[:start]}\n{text}{page[end:]}"
