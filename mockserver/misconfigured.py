"""How refused settings are told: one line naming each setting as the user gave it (flag, variable or keyword)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import ValidationError

from mockserver.settings import variable


def problems(exc: ValidationError, spelt: Mapping[str, str] | None = None) -> str:
    """Why settings were refused, as one line: each setting as the user gave it (`spelt`: an option's flag, a
    keyword), else the MOCKSERVER_ variable that set it, else its name; and what is wrong with its value."""
    from_environment = {field: name for name in os.environ if (field := variable(name))}

    def named(field: str) -> str:
        return (spelt or {}).get(field) or from_environment.get(field) or field

    return "; ".join(
        f"{named(str(e['loc'][0]))}: {e['msg'].removeprefix('Value error, ')}"
        if e["loc"]
        else e["msg"].removeprefix("Value error, ")
        for e in exc.errors()
    )
