"""Stable hashing for generated items: blake2b for what is drawn once, splitmix64 for what is drawn per pool entry."""

from __future__ import annotations

import hashlib

M64 = (1 << 64) - 1


def digest(*parts: object) -> int:
    """A 128-bit integer that depends only on the parts (blake2b, so stable across runs and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def uuid4_from_free_bits(free: int) -> str:
    """Lay 122 bits out as a version-4 UUID; the order of `free` is the order of the resulting strings."""
    high48 = free >> 74
    mid12 = (free >> 62) & 0xFFF
    value = (high48 << 80) | (0x4 << 76) | (mid12 << 64) | (0b10 << 62) | (free & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def external_id(seed: int, salt: str, index: int) -> str:
    return uuid4_from_free_bits(digest(seed, salt, "ext", index) >> 6)


def mix(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash of an integer."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def guid_tail(bits: int) -> bytes:
    """'-xxxx-4xxx-yxxx-xxxxxxxxxxxx': the part of a version-4 GUID after its first 8 hex digits."""
    h = f"{bits:032x}"
    return f"-{h[8:12]}-4{h[13:16]}-{'89ab'[bits % 4]}{h[17:20]}-{h[20:32]}".encode()
