"""The documented profile: the public documentation pages and CONTRACT.md, the sandbox's default."""

from __future__ import annotations

from mockserver import errors
from mockserver.api.wording import DOCUMENTED_WORDING
from mockserver.http import JSON
from mockserver.profiles.profile import Profile
from mockserver.world import shapes

DOCUMENTED = Profile(
    name="documented",
    summary="the public documentation and CONTRACT.md (the default)",
    overlay=None,
    change_names={},
    wording=DOCUMENTED_WORDING,
    error_style=errors.ENVELOPE,
    empty_past_last_page=False,
    fold_query_case=False,
    non_guid_id_to_web_ui=False,
    security_headers=None,
    retry_after=None,
    shape=shapes.DOCUMENTED,
    sort_keys=None,
    json_media_type=JSON,
    api_headers={},
    repeated_key_joined=False,
    aspnet_paths=False,
)
