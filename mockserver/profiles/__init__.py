"""The sandbox's ways of answering: `documented` (the documentation, the default) and `jim` (the real server)."""

from __future__ import annotations

from mockserver.profiles.documented import DOCUMENTED
from mockserver.profiles.jim import JIM
from mockserver.profiles.profile import Profile

__all__ = ["DOCUMENTED", "JIM", "PROFILES", "Profile"]

PROFILES = {profile.name: profile for profile in (DOCUMENTED, JIM)}
