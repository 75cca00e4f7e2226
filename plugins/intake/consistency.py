"""Answers that are valid one by one but contradict each other (pure Python, no Flask).

They are not refused: the patient may be right.  The page is shown back with the
question, and the answers are saved once the patient confirms them or changes them
(docs/clinical-rules.md, "Consistency checks").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def nprs(answers: Mapping[str, Any]) -> list[str]:
    now, best, worst = (answers.get(f"nprs.{k}") for k in ("now", "best", "worst"))
    questions = []
    if best is not None and worst is not None and best > worst:
        questions.append(
            f"Your lowest pain in the last 24 hours ({best}) is higher than your highest pain "
            f"in the last 24 hours ({worst})."
        )
    if now is not None and worst is not None and now > worst:
        questions.append(
            f"Your pain right now ({now}) is higher than your highest pain in the last 24 "
            f"hours ({worst})."
        )
    return questions


CHECKS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {"nprs": nprs}


def questions(step: str, answers: Mapping[str, Any]) -> list[str]:
    """What to ask the patient to confirm about ``answers`` (typed) to ``step``."""
    check = CHECKS.get(step)
    return check(answers) if check else []
