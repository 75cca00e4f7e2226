"""How long a run of wrong passwords locks an account or an address (pure rules).

After ``threshold`` counted failures the wait is ``base``; every further counted
failure doubles it, up to ``cap``.  Only failures made while *not* locked are counted
(the caller refuses the others without storing them), so someone hammering a locked
account cannot keep it locked beyond the cap: once the wait is over, the right
password works again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def wait_after(failures: int, threshold: int, base: dt.timedelta, cap: dt.timedelta):
    """The wait imposed by ``failures`` counted failures (zero below the threshold)."""
    if failures < threshold:
        return dt.timedelta(0)
    doublings = min(failures - threshold, 32)  # 2**32 × base is past any sane cap
    return min(base * (2**doublings), cap)


def locked_until(
    failure_times: Sequence[dt.datetime], threshold: int, base: dt.timedelta, cap: dt.timedelta
) -> dt.datetime | None:
    """When the lock from these counted failures ends, or None when there is none."""
    wait = wait_after(len(failure_times), threshold, base, cap)
    if not wait:
        return None
    return max(failure_times) + wait
