"""Properties that must hold for every input, checked by hypothesis (issue 14, item 5):
working-day arithmetic (statutory timescales) and the case stage graph. Derandomized so CI runs
the same examples every time.

Consent evaluation has its own hypothesis property, with an oracle written independently of the
policy: tests/consent/test_differential_access.py draws 200 worlds of families, consents
(current, expired, withdrawn, not yet given), lawful bases (current, ended, on an expired
agreement) and break-glass grants, and checks every surface shows each user exactly what the
oracle allows, person by person and category by category."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from caseflow.core.stages import (
    CLOSED_STAGES, STAGE_LABELS, TRANSITIONS, TRANSITIONS_BY_ACTION, IllegalTransition, Stage, check,
)
from caseflow.core.timescales import (
    add_working_days, is_bank_holiday, is_working_day, working_days_between,
)

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=200)
# The years govuk-bank-holidays' cached calendar covers, so "not a bank holiday" means something.
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 10, 31))
counts = st.integers(min_value=0, max_value=60)


# --- working days ---------------------------------------------------------------------------------

def test_the_calendar_knows_english_bank_holidays():
    assert is_bank_holiday(date(2025, 12, 25)) and is_bank_holiday(date(2024, 8, 26))
    assert not is_working_day(date(2025, 12, 25))


@PROPERTY
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_adding_working_days_lands_on_a_working_day(start, n):
    landed = add_working_days(start, n)
    assert landed.weekday() < 5, landed
    assert not is_bank_holiday(landed), landed
    assert landed > start


@PROPERTY
@given(start=days, n=counts)
def test_counting_back_gives_the_days_added(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@PROPERTY
@given(start=days, n=counts, more=st.integers(min_value=1, max_value=20))
def test_more_working_days_land_strictly_later(start, n, more):
    assert add_working_days(start, n + more) > add_working_days(start, n)


@PROPERTY
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_no_working_day_is_skipped(start, n):
    """Between two consecutive results every day in between is a weekend or a bank holiday."""
    before, after = add_working_days(start, n - 1), add_working_days(start, n)
    gap = [before + timedelta(days=i) for i in range(1, (after - before).days)]
    assert not any(is_working_day(day) for day in gap)


# --- the stage graph ------------------------------------------------------------------------------

class CaseStages(RuleBasedStateMachine):
    """A case walked through the graph by random moves, legal or not."""

    def __init__(self):
        super().__init__()
        self.case = SimpleNamespace(stage=Stage.REQUESTED)

    @rule(action=st.sampled_from(sorted(TRANSITIONS_BY_ACTION)))
    def move(self, action):
        allowed = Stage(self.case.stage) in TRANSITIONS_BY_ACTION[action].sources
        if allowed:
            self.case.stage = check(self.case, action).target
        else:
            with pytest.raises(IllegalTransition):
                check(self.case, action)

    @rule(action=st.text(min_size=1, max_size=20).filter(lambda a: a not in TRANSITIONS_BY_ACTION))
    def unknown_action(self, action):
        with pytest.raises(IllegalTransition):
            check(self.case, action)

    @precondition(lambda self: self.case.stage in CLOSED_STAGES)
    @rule(action=st.sampled_from(sorted(TRANSITIONS_BY_ACTION)))
    def closed_is_final(self, action):
        """No move leaves a closed case: a re-referral opens a new case instead."""
        with pytest.raises(IllegalTransition):
            check(self.case, action)

    @invariant()
    def stage_has_a_label(self):
        assert STAGE_LABELS[Stage(self.case.stage)]


CaseStages.TestCase.settings = settings(derandomize=True, database=None, deadline=None,
                                        max_examples=150, stateful_step_count=25)
test_case_stages = CaseStages.TestCase


def test_every_stage_a_move_reaches_has_a_label_and_closed_stages_have_no_way_out():
    assert {t.target for t in TRANSITIONS} <= set(STAGE_LABELS)
    assert not [t.action for t in TRANSITIONS if t.sources & CLOSED_STAGES]
