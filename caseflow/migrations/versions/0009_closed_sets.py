"""Closed sets get CHECK constraints: every column whose values come from a fixed list (a stage,
a status, a decision, a type, a role...) refuses anything outside the list, on SQLite and
PostgreSQL alike. The values stored do not change (the models' StrEnums store the same strings).

Before adding a constraint the upgrade looks for rows already outside the set and, if it finds
any, stops with a message naming the table, the column and the values, so someone decides what
they should be: a migration that rewrote them silently could lose what a worker recorded.

The sets are written out here, frozen as they were at this revision, so the migration never
depends on application code that may later change.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


# {table: {column: the values it may hold}}; a NULL stays allowed where the column allows it.
CLOSED_SETS = {
    'assessments': {
        'status': ('draft', 'complete'),
    },
    'case_transitions': {
        'from_stage': ('requested', 'triaged', 'awaiting_panel', 'allocated', 'assessing', 'planning',
            'reviewing', 'closed', 'signposted', 'social_care', 'stepped_down'),
        'to_stage': ('requested', 'triaged', 'awaiting_panel', 'allocated', 'assessing', 'planning',
            'reviewing', 'closed', 'signposted', 'social_care', 'stepped_down'),
    },
    'cases': {
        'stage': ('requested', 'triaged', 'awaiting_panel', 'allocated', 'assessing', 'planning',
            'reviewing', 'closed', 'signposted', 'social_care', 'stepped_down'),
        'urgency': ('routine', 'urgent', 'immediate'),
        'closure_reason': ('outcomes_achieved', 'universal_services', 'family_disengaged', 'moved_away',
            'stepped_up', 'other', 'signposted'),
        'rag': ('red', 'amber', 'green'),
        'keyworker_role': ('joint', 'stepped_back'),
    },
    'consent_categories': {
        'category': ('identity', 'referral', 'education', 'health', 'police', 'social_care',
            'finances_employment', 'case_notes', 'plan'),
    },
    'consent_people': {
        'given_by_relationship': ('self', 'parent_carer'),
    },
    'consent_recipients': {
        'organisation_type': ('early_help', 'social_care', 'police', 'school', 'gp', 'health_visiting',
            'jobcentre', 'housing', 'voluntary'),
    },
    'consents': {
        'purpose': ('early_help_support', 'taf_information_sharing'),
        'given_by_relationship': ('self', 'parent_carer'),
        'method': ('signed_form', 'verbal', 'online'),
    },
    'contacts': {
        'contact_type': ('home_visit', 'phone_call', 'video_call', 'school_meeting', 'office_visit',
            'missed_visit', 'text_or_email'),
    },
    'decision_amendments': {
        'kind': ('triage', 'panel', 'step_up_response'),
    },
    'deliveries': {
        'kind': ('route', 'email', 'webhook'),
        'status': ('pending', 'queued', 'delivered', 'dead'),
    },
    'family_members': {
        'relationship': ('parent_carer', 'child', 'significant_adult'),
    },
    'lawful_bases': {
        'basis': ('safeguarding', 'statutory_duty', 'crime_prevention', 'vital_interests'),
    },
    'lawful_basis_categories': {
        'category': ('identity', 'referral', 'education', 'health', 'police', 'social_care',
            'finances_employment', 'case_notes', 'plan'),
    },
    'lawful_basis_recipients': {
        'organisation_type': ('early_help', 'social_care', 'police', 'school', 'gp', 'health_visiting',
            'jobcentre', 'housing', 'voluntary'),
    },
    'notifications': {
        'type': ('partner_event', 'event_review', 're_referral', 'escalation', 'triage_outcome',
            'allocation', 'taf', 'plan', 'review_overdue', 'step_up', 'step_up_response', 'step_down',
            'case_moved', 'joint_working', 'oscillation', 'break_glass'),
    },
    'organisations': {
        'type': ('early_help', 'social_care', 'police', 'school', 'gp', 'health_visiting', 'jobcentre',
            'housing', 'voluntary'),
    },
    'panel_items': {
        'decision': ('allocate', 'signpost', 'step_up', 'defer'),
    },
    'partner_events': {
        'type': ('police_contact', 'domestic_abuse', 'missing_episode', 'ae_attendance',
            'school_exclusion', 'anti_social_behaviour', 'arrest'),
        'status': ('received', 'routed', 'needs_review', 'closed_recently', 'not_open', 'reopened',
            'no_further_action', 'purged'),
    },
    'people': {
        'sex': ('female', 'male', 'other', 'unknown'),
    },
    'plan_actions': {
        'status': ('not_started', 'in_progress', 'done', 'cancelled'),
    },
    'plan_outcomes': {
        'headline_problem': ('crime_asb', 'education', 'children_need_help', 'worklessness',
            'domestic_abuse', 'health'),
        'status': ('in_progress', 'achieved', 'partly_achieved', 'not_achieved'),
    },
    'plans': {
        'status': ('draft', 'agreed'),
    },
    'request_people': {
        'relationship': ('parent_carer', 'child', 'significant_adult'),
        'match_status': ('linked', 'needs_review', 'new', 'confirmed', 'rejected'),
    },
    'requests_for_help': {
        'source': ('professional', 'self_referral', 'partner_system'),
        'status': ('new', 'needs_review', 'triaged', 'routed'),
        'match_status': ('linked', 'needs_review', 'new', 'confirmed', 'rejected'),
        'urgency': ('routine', 'urgent', 'immediate'),
    },
    'reviews': {
        'decision': ('continue', 'close', 'step_up'),
    },
    'routing_rules': {
        'event_type': ('police_contact', 'domestic_abuse', 'missing_episode', 'ae_attendance',
            'school_exclusion', 'anti_social_behaviour', 'arrest'),
        'recipient': ('keyworker', 'team_manager', 'school_key_adult', 'health_visitor', 'social_worker'),
        'channel': ('inbox', 'email', 'webhook'),
        'deadline': ('none', 'next_school_day', 'working_hours'),
    },
    'statutory_statuses': {
        'status': ('child_in_need', 'child_protection_enquiry', 'child_protection_plan', 'looked_after'),
    },
    'step_downs': {
        'route': ('panel', 'direct'),
    },
    'step_ups': {
        'from_stage': ('requested', 'triaged', 'awaiting_panel', 'allocated', 'assessing', 'planning',
            'reviewing', 'closed', 'signposted', 'social_care', 'stepped_down'),
        'urgency': ('immediate', 'strategy_discussion', 'within_1_working_day'),
        'keyworker_role': ('joint', 'stepped_back'),
        'response': ('accepted_for_assessment', 'strategy_discussion', 'not_accepted'),
    },
    'triage_decisions': {
        'rag': ('red', 'amber', 'green'),
        'decision': ('signpost', 'panel', 'step_up'),
    },
    'users': {
        'role': ('front_door', 'panel_chair', 'panel_member', 'keyworker', 'team_manager', 'social_worker',
            'partner', 'partner_system', 'analyst', 'admin'),
    },
}


class ValuesOutsideClosedSet(RuntimeError):
    """Rows hold values a constraint would refuse: fix or map them, then upgrade again."""


def constraint_name(table: str, column: str) -> str:
    return f"ck_{table}_{column}"  # what the models' naming convention gives (ck_<table>_<name>)


def values_outside_sets(connection) -> list[str]:
    """One line per column holding values outside its set: table.column, and the values."""
    problems = []
    for table, columns in CLOSED_SETS.items():
        for column, allowed in columns.items():
            col = sa.column(column)
            query = (sa.select(col).distinct().select_from(sa.table(table, col))
                     .where(col.is_not(None), col.not_in(allowed)).order_by(col))
            bad = [row[0] for row in connection.execute(query)]
            if bad:
                problems.append(f"{table}.{column}: {', '.join(repr(v) for v in bad)} "
                                f"(allowed: {', '.join(allowed)})")
    return problems


def upgrade() -> None:
    problems = values_outside_sets(op.get_bind())
    if problems:
        raise ValuesOutsideClosedSet(
            "Cannot add the closed-set CHECK constraints: these columns hold values outside their "
            "set. Correct the rows (nothing has been changed), then run the upgrade again.\n  "
            + "\n  ".join(problems))
    for table, columns in CLOSED_SETS.items():
        # SQLite cannot add a constraint to a table: batch mode rebuilds it (keeping its other
        # named constraints, indexes and rows); PostgreSQL adds each one in place.
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, allowed in columns.items():
                batch_op.create_check_constraint(op.f(constraint_name(table, column)),
                                                 sa.column(column).in_(allowed))


def downgrade() -> None:
    for table, columns in CLOSED_SETS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(constraint_name(table, column)), type_='check')
