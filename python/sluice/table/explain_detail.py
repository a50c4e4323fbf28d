"""``ExplainDetail``: extra details of ``explain()``, as PyFlink's (plain
ints)."""
from __future__ import annotations

from typing import Any, List

__all__ = ["ExplainDetail"]


class ExplainDetail:
    # Accepted; the planner keeps no cost model, so it adds nothing.
    ESTIMATED_COST = 0
    # changelogMode=[I,UB,UA,D] on every node of the physical plan.
    CHANGELOG_MODE = 1
    # The "== Physical Execution Plan ==" section, as JSON.
    JSON_EXECUTION_PLAN = 2
    # Titles the physical plan "With Advice" (there is no advice).
    PLAN_ADVICE = 3


_NAMES = {ExplainDetail.ESTIMATED_COST: "ESTIMATED_COST", ExplainDetail.CHANGELOG_MODE: "CHANGELOG_MODE",
          ExplainDetail.JSON_EXECUTION_PLAN: "JSON_EXECUTION_PLAN", ExplainDetail.PLAN_ADVICE: "PLAN_ADVICE"}


def detail_names(details: Any) -> List[str]:
    """The SQL names of ExplainDetail values, each once, in order."""
    out: List[str] = []
    for d in details:
        name = _NAMES.get(d) if not isinstance(d, str) else d.upper()
        if name is None or name not in _NAMES.values():
            raise TypeError("unsupported explain detail %r: use ExplainDetail.ESTIMATED_COST, CHANGELOG_MODE, "
                            "JSON_EXECUTION_PLAN or PLAN_ADVICE" % (d,))
        if name not in out:
            out.append(name)
    return out
