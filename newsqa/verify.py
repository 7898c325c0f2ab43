"""`newsqa verify`: check every file of every index version against its recorded digest and ask the
live version a probe question; change nothing (the same as `newsqa rebuild --verify`)."""

from __future__ import annotations

from newsqa import rebuild


def main(argv: list[str] | None = None) -> int:
    return rebuild.main([*(argv or []), "--verify"])
