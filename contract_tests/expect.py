"""What each profile promises, as the contract suite holds a server to it.

The suite judges a server from outside, so it keeps its own statement of each profile rather than
importing the server's: `documented` is openapi.yaml (the documentation); `jim` is how the real
JIM server answers (docs/profiles.md), its spec derived from openapi.yaml by the overlay the
server applies (only the overlay applier and the files' location are shared). Where the two
differ, the tests ask this module what to expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mockserver.profiles.overlay import overlaid_spec
from mockserver.resources import OVERLAYS, SPEC


@dataclass(frozen=True)
class Expected:
    name: str
    overlay: Path | None
    change_names: Mapping[str, str]
    """Each documented change type (Add, Update, Delete) by the name this profile sends."""
    true_total_past_last_page: bool
    """Past the last page of execution items: the true totalCount (documented) or 0 (jim)."""
    problem_details: bool
    """Validation errors: the JIM envelope (documented) or ASP.NET problem details (jim)."""
    pascal_case_keys: bool
    """The key a bad parameter is reported under: `page` (documented) or `Page` (jim)."""
    jim_auth_bodies: bool
    """401 `{error, message}` and an empty 403 (jim), or the envelope (documented)."""
    depth_reported_with_others: bool
    """Whether the depth ceiling is reported beside other bad parameters (documented) or only alone (jim)."""
    non_guid_id_is_web_ui: bool
    """A non-GUID id: 400 VALIDATION_ERROR (documented) or the web UI's answer (jim)."""
    dotnet_guid_forms: bool
    """Ids as 32 digits, or in braces or parentheses, name the activity (jim, as .NET parses GUIDs) or are 400s."""
    validates_item_sorting: bool
    """Execution items validate sortBy/sortDirection/filter (jim) or ignore them as unknown (documented)."""
    query_keys_fold_case: bool
    """`PAGE=2` is `page=2` (jim) or an unknown parameter (documented)."""
    security_headers: bool
    """JIM's security headers on every response (jim); documented sends none unless asked."""
    fixed_retry_after: int | None

    @property
    def change_types(self) -> frozenset[str]:
        """The change types the sandbox's items carry (the seed activity has all three)."""
        return frozenset(self.change_names.values())

    def key(self, name: str) -> str:
        """The key under which a bad parameter is reported."""
        return name[:1].upper() + name[1:] if self.pascal_case_keys else name

    @cached_property
    def spec(self) -> dict[str, Any]:
        return overlaid_spec(SPEC, self.overlay)


DOCUMENTED = Expected(
    name="documented",
    overlay=None,
    change_names={"Add": "Add", "Update": "Update", "Delete": "Delete"},
    true_total_past_last_page=True,
    problem_details=False,
    pascal_case_keys=False,
    jim_auth_bodies=False,
    depth_reported_with_others=True,
    non_guid_id_is_web_ui=False,
    dotnet_guid_forms=False,
    validates_item_sorting=False,
    query_keys_fold_case=False,
    security_headers=False,
    fixed_retry_after=None,
)
JIM = Expected(
    name="jim",
    overlay=OVERLAYS / "jim.overlay.yaml",
    change_names={"Add": "Added", "Update": "Updated", "Delete": "Deleted"},
    true_total_past_last_page=False,
    problem_details=True,
    pascal_case_keys=True,
    jim_auth_bodies=True,
    depth_reported_with_others=False,
    non_guid_id_is_web_ui=True,
    dotnet_guid_forms=True,
    validates_item_sorting=True,
    query_keys_fold_case=True,
    security_headers=True,
    fixed_retry_after=60,
)
PROFILES = {expected.name: expected for expected in (DOCUMENTED, JIM)}
