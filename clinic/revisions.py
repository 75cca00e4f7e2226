"""Walking the Alembic revision graph, where plugin branches ``depends_on`` the core."""

from __future__ import annotations


def ancestors(script, revision_id: str) -> set[str]:
    """Every revision below ``revision_id``, following down_revision and depends_on."""
    seen: set[str] = set()
    stack = [revision_id]
    while stack:
        revision = script.get_revision(stack.pop())
        if revision is None:
            continue
        for parent in (revision.down_revision, revision.dependencies):
            for rid in (parent,) if isinstance(parent, str) else (parent or ()):
                if rid not in seen:
                    seen.add(rid)
                    stack.append(rid)
    return seen


def without_implied(script, targets) -> tuple[str, ...]:
    """Drop targets another target already brings along (Alembic refuses overlaps)."""
    resolved = {t: script.get_revision(t).revision for t in targets}
    below = set().union(*(ancestors(script, rid) for rid in resolved.values()))
    return tuple(t for t, rid in resolved.items() if rid not in below)
