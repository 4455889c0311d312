"""The documentation's links hold: every relative link in README.md, ARCHITECTURE.md and docs/*.md names a
file that exists and, when it has one, an anchor that a heading of that file produces by GitHub's rules;
the README stays a front door of at most 250 lines.

Standard library only, so that it runs whatever state the server's code is in."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
README_MAX_LINES = 250

# ARCHITECTURE.md is checked when it exists; test_architecture_page_exists fails while it does not.
PAGES = [README, *([ARCHITECTURE] if ARCHITECTURE.exists() else []), *sorted((ROOT / "docs").glob("*.md"))]
DOCS_PAGES = [page for page in PAGES if page.parent == ROOT / "docs"]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"\[([^\]]*)\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+\"[^\"]*\")?\s*\)")
IGNORED_SCHEMES = ("http://", "https://", "mailto:")


@dataclass(frozen=True)
class Link:
    page: Path
    line: int
    target: str

    @property
    def path_part(self) -> str:
        return unquote(self.target.split("#", 1)[0])

    @property
    def anchor(self) -> str | None:
        return unquote(self.target.split("#", 1)[1]) if "#" in self.target else None

    def resolved(self) -> Path:
        return (self.page.parent / self.path_part).resolve() if self.path_part else self.page

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: ({self.target})"


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for every line outside fenced code blocks, fences included neither."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            out.append((number, line))
        elif (
            match
            and match.group(1)[0] == fence[0]
            and len(match.group(1)) >= len(fence)
            and not line.strip(fence[0] + " \t")
        ):
            fence = None
    return out


def relative_links(page: Path) -> list[Link]:
    """Every Markdown link in the page's prose that is neither absolute (http, https) nor mailto."""
    links = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(2).strip("<>")
            if target and not target.lower().startswith(IGNORED_SCHEMES):
                links.append(Link(page, number, target))
    return links


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link or image shows its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor the page's headings produce; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = github_anchor(match.group(2) or "")
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_readme_is_at_most_250_lines() -> None:
    count = len(README.read_text(encoding="utf-8").splitlines())
    assert count <= README_MAX_LINES, (
        f"README.md has {count} lines; move detail into docs/ (at most {README_MAX_LINES})"
    )


def test_architecture_page_exists() -> None:
    assert ARCHITECTURE.is_file(), "ARCHITECTURE.md is missing: README.md and docs/ link to it"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_names_a_file_that_exists(page: Path) -> None:
    broken = [str(link) for link in relative_links(page) if not link.resolved().exists()]
    assert not broken, "links to files that do not exist:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_link_anchor_is_produced_by_a_heading_of_its_target(page: Path) -> None:
    broken = []
    for link in relative_links(page):
        if link.anchor is None:
            continue
        target = link.resolved()
        if not target.is_file():
            broken.append(f"{link}: no file to hold #{link.anchor}")
        elif link.anchor not in anchors(target):
            broken.append(f"{link}: no heading in {target.relative_to(ROOT)} gives #{link.anchor}")
    assert not broken, "links to anchors no heading produces:\n" + "\n".join(broken)


def test_readme_links_every_docs_page() -> None:
    linked = {link.resolved() for link in relative_links(README)}
    missing = [page_id(page) for page in DOCS_PAGES if page.resolve() not in linked]
    assert not missing, f"README.md does not link {missing}"


@pytest.mark.parametrize("page", DOCS_PAGES, ids=page_id)
def test_every_docs_page_links_back_to_the_readme(page: Path) -> None:
    assert README.resolve() in {link.resolved() for link in relative_links(page)}


def test_the_anchor_rules_match_github() -> None:
    assert github_anchor("Testing your client's resilience") == "testing-your-clients-resilience"
    assert github_anchor("Profiles: the documentation or the real JIM") == "profiles-the-documentation-or-the-real-jim"
    assert github_anchor("Every answer, with curl") == "every-answer-with-curl"
    assert github_anchor("The `Prefer` header") == "the-prefer-header"
    assert github_anchor("snake_case and dash-case") == "snake_case-and-dash-case"
