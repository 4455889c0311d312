"""Where the contract, the profiles' overlays and the fixtures are: inside the installed wheel, or in the checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The folder above the package: a checkout's top level, where the files are edited and tested."""


def data_root() -> Path:
    """A wheel's copy of the top-level files (the build puts them there: pyproject.toml, force-include), else the
    checkout's own, which is what an editable install and `pytest` in a clone read."""
    packaged = files("mockserver") / "data"
    if packaged.is_dir():
        if not isinstance(packaged, Path):
            raise RuntimeError(f"mockserver is installed as an archive ({packaged}): install it unpacked, as pip does")
        return packaged
    return CHECKOUT


ROOT = data_root()
SPEC = ROOT / "openapi.yaml"
"""The contract: what the server keeps and the contract suite holds a server to."""
ADMIN_SPEC = ROOT / "admin-openapi.yaml"
"""The sandbox's own admin routes (the request journal), outside the contract."""
OVERLAYS = ROOT / "profiles"
"""The profiles' overlays on SPEC."""
FIXTURES = ROOT / "fixtures"
"""The sandbox's world: keys, connected systems, activities, stored items."""

ADMIN_KEY = "jim_ak_sandbox_admin"
"""The built-in fixtures' Administrator key (fixtures/api-keys.json holds its SHA-256 digest)."""
READER_KEY = "jim_ak_sandbox_reader"
"""The built-in fixtures' valid key without the Administrator role."""
