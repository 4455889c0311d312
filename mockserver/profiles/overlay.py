"""Applies an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0.html) to a spec.

A profile's spec is the main spec plus an overlay, never a second hand-kept copy. Targets are
JSONPath (jsonpath-ng); each action either updates (an object target is merged with the update
recursively, a nested value that is not an object replaced; an array target has the update's
elements appended) or removes its targets. A target that matches nothing is an error: an overlay
that silently stops applying after the main spec changes is how two specs drift apart.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonpath_ng import DatumInContext
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext.parser import parse

from mockserver.startup import StartupError


class OverlayError(StartupError, ValueError):
    """An overlay that is malformed or does not fit the spec, naming the file and the action."""


def load_yaml(path: Path) -> Any:
    """A spec or overlay document; a file that cannot be read or parsed is an OverlayError naming it."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise OverlayError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise OverlayError(f"{path}: not a YAML document: {exc}") from None


def merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    for name, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(name), dict):
            merge(target[name], value)
        else:
            target[name] = copy.deepcopy(value)


def remove(match: DatumInContext) -> None:
    parent = match.context.value if match.context is not None else None
    key = getattr(match.path, "fields", None)
    if isinstance(parent, dict) and key:
        del parent[key[0]]
    elif isinstance(parent, list) and hasattr(match.path, "index"):
        del parent[match.path.index]
    else:
        raise TypeError("only members of objects and elements of arrays can be removed")


def apply_overlay(spec: Mapping[str, Any], overlay: Mapping[str, Any], source: str = "overlay") -> dict[str, Any]:
    """A new spec: `spec` with the overlay's actions applied in order. OverlayError names what does not fit."""
    if not str(overlay.get("overlay", "")).startswith("1.0"):
        raise OverlayError(f"{source}: not an Overlay 1.0 document (its 'overlay' field must be 1.0.x)")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError(f"{source}: 'actions' must be a non-empty list")
    result = copy.deepcopy(dict(spec))
    for number, action in enumerate(actions, start=1):
        where = f"{source}: action {number}"
        if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
            raise OverlayError(f"{where}: needs a 'target' JSONPath")
        where = f"{where} ({action['target']})"
        if ("update" in action) == bool(action.get("remove")):
            raise OverlayError(f"{where}: give exactly one of 'update' or 'remove: true'")
        try:
            matches = parse(action["target"]).find(result)
        except (JsonPathParserError, ValueError, TypeError) as exc:
            raise OverlayError(f"{where}: not a JSONPath: {exc}") from None
        if not matches:
            raise OverlayError(f"{where}: matches nothing in the spec")
        # Deepest first, and array elements from the end, so one removal does not move another's target.
        order = sorted(matches, key=lambda m: (str(m.full_path).count("."), getattr(m.path, "index", -1)), reverse=True)
        for match in order:
            if action.get("remove"):
                try:
                    remove(match)
                except TypeError as exc:
                    raise OverlayError(f"{where}: {exc}") from None
            elif isinstance(match.value, dict) and isinstance(action["update"], Mapping):
                merge(match.value, action["update"])
            elif isinstance(match.value, list):
                update = action["update"]
                match.value.extend(copy.deepcopy(update if isinstance(update, list) else [update]))
            else:
                raise OverlayError(f"{where}: an update needs an object or array target, and an object to merge")
    return result


def overlaid_spec(spec_path: Path, overlay_path: Path | None) -> dict[str, Any]:
    """The spec at `spec_path`, with the overlay at `overlay_path` applied when there is one."""
    spec = load_yaml(spec_path)
    if not isinstance(spec, dict):
        raise OverlayError(f"{spec_path}: not an OpenAPI document")
    if overlay_path is None:
        return spec
    overlay = load_yaml(overlay_path)
    if not isinstance(overlay, dict):
        raise OverlayError(f"{overlay_path}: not an Overlay document")
    return apply_overlay(spec, overlay, str(overlay_path))
