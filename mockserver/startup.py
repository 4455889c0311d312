"""Why the server refuses to start: one base class, so the CLI answers every such fault with one message and exit 2."""

from __future__ import annotations


class StartupError(Exception):
    """A fixture, overlay, spec or dependency the server cannot start with; the message says where and why."""

    kind = ""
    """What went wrong, in a word or two, to lead the one line the CLI prints ("bad fixture")."""

    def line(self) -> str:
        """The one line the CLI prints before exit 2."""
        return f"mockserver: {self.kind}: {self}" if self.kind else f"mockserver: {self}"
