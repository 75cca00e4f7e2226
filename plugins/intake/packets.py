"""Intake packets: ordered lists of steps (instrument ids, or ``pain_diagram``).

The two bundled packets are defined here; an administrator may add packets or
override a bundled one (same code) through the packet page, stored in
``intake_packets``.  This module is pure: the lookup that merges database rows is in
:mod:`plugins.intake.services`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAIN_DIAGRAM = "pain_diagram"
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class Packet:
    code: str
    title: str
    steps: tuple[str, ...]
    bundled: bool = False


BUNDLED_PACKETS: tuple[Packet, ...] = (
    Packet(
        "new_back_pain",
        "New back-pain patient",
        ("history", "consent", PAIN_DIAGRAM, "nprs", "odi", "sbst", "peg"),
        bundled=True,
    ),
    Packet("followup", "Follow-up", ("nprs", "odi", "peg"), bundled=True),
    Packet("followup_rmdq", "Follow-up (Roland-Morris)", ("nprs", "rmdq", "peg"), bundled=True),
)


class PacketError(ValueError):
    """A packet definition that cannot be used; the message says why."""


def step_choices(instrument_ids: list[str]) -> list[str]:
    """Every step id a packet may contain."""
    return [*instrument_ids, PAIN_DIAGRAM]


def check_packet(code: str, title: str, steps: list[str], known_steps: list[str]) -> Packet:
    """Validate an administrator's packet; raise :class:`PacketError` with every problem."""
    problems = []
    if not CODE_PATTERN.match(code or ""):
        problems.append(
            "The code must start with a letter and use only lower-case letters, digits "
            "and underscores (2 to 40 characters)."
        )
    if not (title or "").strip():
        problems.append("Give the packet a title.")
    if not steps:
        problems.append("Choose at least one step.")
    unknown = [s for s in steps if s not in known_steps]
    if unknown:
        problems.append("Unknown steps: " + ", ".join(unknown) + ".")
    duplicates = sorted({s for s in steps if steps.count(s) > 1})
    if duplicates:
        problems.append("A step may appear only once: " + ", ".join(duplicates) + ".")
    if problems:
        raise PacketError(" ".join(problems))
    return Packet(code, title.strip(), tuple(steps))
