"""The Profile record: everything that differs between the sandbox's ways of answering, as data and rendering rules.

Nothing outside the profiles asks which profile the server runs: create_app wires the app from a Profile's fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mockserver import errors
from mockserver.api.wording import Wording
from mockserver.world.shapes import Shape


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    overlay: Path | None
    """Applied to the main spec to give the spec this profile serves and is tested against."""
    change_names: Mapping[str, str]
    """Documented change type -> the name this profile sends (fixtures are written in the documented ones)."""
    wording: Wording
    error_style: errors.ErrorStyle
    empty_past_last_page: bool
    """Past the last page: totalCount 0 and totalPages 0, rather than the true total."""
    fold_query_case: bool
    """`PAGE=2` is `page=2`."""
    non_guid_id_to_web_ui: bool
    """A non-GUID id is not routed to the API: the web UI answers it (401 without a valid key, else a page)."""
    security_headers: Mapping[str, str] | None
    """Headers sent on every response, or None to leave them to --security-headers."""
    retry_after: int | None
    """A fixed Retry-After on 429s, or None for the seconds until the window frees a slot."""
    shape: Shape
    """Which fields an activity's header, detail and statistics carry, in which order."""
    sort_keys: Mapping[str, str] | None
    """sortBy, lower-cased, -> the list's sort key, anything else the default order; None: sortBy is one of the
    keys (its spec's enum)."""
    json_media_type: str
    """The Content-Type of the API's JSON answers."""
    api_headers: Mapping[str, str]
    """Headers on every answer an API operation's handler gives (its 200s, its 404 and 400 BAD_REQUEST)."""
    repeated_key_joined: bool = False
    """A key header sent more than once is read as its values joined by commas (ASP.NET's StringValues), which
    names no key; otherwise the values are one key when they agree, none when they differ."""
    aspnet_paths: bool = False
    """An API path is matched as ASP.NET matches it: its fixed segments in any case, its version `v1` or `v1.0`."""
