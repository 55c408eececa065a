"""How a matter's time limit and a form's answers read to staff.

Why apart from the screens: the guide, the confirmation and the case view all say them
the same way, and a screen importing another screen for a sentence ties the serve flow's
steps into an import cycle.
"""

from __future__ import annotations

from typing import Any

from shared.i18n import t


def limit_text(guide: Any) -> str:
    days = guide.matter.time_limit_days
    if days == 0:
        return t("tui.matter.immediate")
    if guide.due_date is not None:
        key = "calendar.matter_days_due_estimated" if guide.due_estimated else "tui.matter.days_due"
        return t(key, days=days, due=guide.due_date.isoformat())
    return t("tui.matter.days", days=days)


def answer_text(f: Any, value: str) -> str:
    """An answer as staff read it: a choice's label, 是/否 for a yes/no field."""
    if f.kind == "bool":
        return t("common.yes") if value == "true" else t("common.no")
    return next((c.label for c in f.choices if c.value == value), value)
