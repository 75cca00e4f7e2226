"""Password policy: at least 12 characters and not a commonly used password."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    words = (line.strip().lower() for line in _COMMON_FILE.read_text().splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def _skeleton(password: str) -> str:
    """Lower-case with trailing digits/symbols removed: 'Password123!' -> 'password'."""
    return re.sub(r"[\d\W_]+$", "", password.lower())


def password_problem(password: str, username: str = "") -> str | None:
    """Return why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common() or _skeleton(password) in _common():
        return "That password is too common; choose something less guessable."
    if username and username.lower() in lowered:
        return "The password must not contain the user name."
    if len(set(lowered)) < 4:
        return "Use a password with more different characters."
    return None
