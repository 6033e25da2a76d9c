"""Casework deadlines: six weeks by default, set by the area, never on a bank holiday."""
from datetime import date

import pytest

from caseflow.plans import deadlines
from caseflow.core.settings import Settings


def test_an_assessment_due_on_christmas_day_is_due_after_the_bank_holidays(app_ctx):
    # Allocated Friday 13 November 2026: six weeks is Christmas Day; Monday 28th is the Boxing
    # Day substitute bank holiday, so it is due on Tuesday 29 December.
    assert deadlines.assessment_due_on(date(2026, 11, 13)) == date(2026, 12, 29)
    assert deadlines.next_review_on(date(2026, 3, 2)) == date(2026, 4, 13)


def test_areas_set_their_own_timescales_and_a_bad_value_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEFLOW_ASSESSMENT_DUE_WEEKS", "8")
    assert Settings.from_env(instance_path=tmp_path).assessment_due_weeks == 8
    monkeypatch.setenv("CASEFLOW_REVIEW_INTERVAL_WEEKS", "six")
    with pytest.raises(ValueError, match="CASEFLOW_REVIEW_INTERVAL_WEEKS must be a whole number"):
        Settings.from_env(instance_path=tmp_path)
