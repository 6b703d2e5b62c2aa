"""Drift guard: committed notebook outputs must not predate a lifecycle date that has since passed.

When a model turns Legacy or reaches end of life, what the notebooks show changes (lifecycle columns,
model lists, which calls succeed). nbval would then fail with a confusing diff, or, where a cell's output
is ignored, a learner would see something the committed page never showed. This test names the date and
the fix instead: refresh the outputs with `make notebooks`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import catalog

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
LIFECYCLE = (("Legacy", "legacy"), ("public extended access", "public_extended_access"),
             ("end of life", "end_of_life"))


def outputs_made_on(path: Path) -> dt.date | None:
    """The day the committed outputs were produced: the latest execution time nbclient recorded."""
    days = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        stamp = cell.get("metadata", {}).get("execution", {}).get("iopub.status.idle")
        if stamp:
            days.append(dt.date.fromisoformat(stamp[:10]))
    return max(days, default=None)


def passed_since(made: dt.date, today: dt.date) -> list[str]:
    """Lifecycle dates in the catalog that fall after ``made`` and on or before ``today``."""
    return [f"{model.display_name}: {label} on {day}" for model in catalog.models() for label, field in LIFECYCLE
            if (day := getattr(model, field)) is not None and made < day <= today]


def test_every_notebook_records_when_its_outputs_were_made() -> None:
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        assert outputs_made_on(path) is not None, f"{path.name}: no execution times; run `make notebooks`"


def test_no_lifecycle_date_passed_since_the_outputs_were_made() -> None:
    today = dt.date.today()
    stale = {}
    for path in NOTEBOOKS:
        made = outputs_made_on(path)
        if made is not None and (passed := passed_since(made, today)):
            stale[str(path.relative_to(ROOT))] = f"outputs of {made}, since then: " + "; ".join(passed)
    assert not stale, ("A model's lifecycle changed after these outputs were made; refresh them with "
                       f"`make notebooks` and commit: {json.dumps(stale, indent=1)}")


def test_the_guard_sees_a_date_that_passed() -> None:
    """The check itself: outputs made before a known end of life, looked at after it, are stale."""
    dated = [(m, m.end_of_life) for m in catalog.models() if m.end_of_life]
    assert dated, "the catalog has end-of-life dates to test with"
    model, day = dated[0]
    found = passed_since(day - dt.timedelta(days=1), day)
    assert f"{model.display_name}: end of life on {day}" in found
    assert f"{model.display_name}: end of life on {day}" not in passed_since(day, day + dt.timedelta(days=30))
