"""The spec a profile serves and is tested against: openapi.yaml with the profile's overlay, as JSON or YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

from mockserver.profiles.documented import DOCUMENTED
from mockserver.profiles.overlay import overlaid_spec
from mockserver.profiles.profile import Profile


def load_spec(path: Path, profile: Profile = DOCUMENTED) -> dict[str, Any]:
    """The main spec with the profile's overlay applied; OverlayError names an action that no longer fits."""
    return overlaid_spec(path, profile.overlay)


class BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the spec's descriptions) as literal blocks, as they are written in openapi.yaml."""


def _literal_blocks(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


BlockDumper.add_representer(str, _literal_blocks)


def spec_text(document: dict[str, Any], form: str) -> str:
    """The document as `mockserver spec` prints it: indented JSON, or YAML in openapi.yaml's style."""
    if form == "json":
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    return yaml.dump(document, Dumper=BlockDumper, sort_keys=False, allow_unicode=True, width=100)
