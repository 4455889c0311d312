"""Why the server refuses to start: one base class, so the CLI answers every such fault with one message and exit 2."""

from __future__ import annotations


class StartupError(Exception):
    """A fixture, overlay, spec or dependency the server cannot start with; the message says where and why."""
