"""Roles and organisation types (DOMAIN.md, "Roles"; API.md, `caseflow orgs create`)."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FRONT_DOOR = "front_door"
    PANEL_CHAIR = "panel_chair"
    PANEL_MEMBER = "panel_member"
    KEYWORKER = "keyworker"
    TEAM_MANAGER = "team_manager"
    SOCIAL_WORKER = "social_worker"
    PARTNER = "partner"
    PARTNER_SYSTEM = "partner_system"
    ANALYST = "analyst"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.FRONT_DOOR: "Front door officer",
    Role.PANEL_CHAIR: "Panel chair",
    Role.PANEL_MEMBER: "Panel member",
    Role.KEYWORKER: "Keyworker",
    Role.TEAM_MANAGER: "Team manager",
    Role.SOCIAL_WORKER: "Social worker",
    Role.PARTNER: "Partner practitioner",
    Role.PARTNER_SYSTEM: "Partner system (API client)",
    Role.ANALYST: "Analyst",
    Role.ADMIN: "Administrator",
}


class OrgType(StrEnum):
    EARLY_HELP = "early_help"
    SOCIAL_CARE = "social_care"
    POLICE = "police"
    SCHOOL = "school"
    GP = "gp"
    HEALTH_VISITING = "health_visiting"
    JOBCENTRE = "jobcentre"
    HOUSING = "housing"
    VOLUNTARY = "voluntary"


ORG_TYPE_LABELS = {
    OrgType.EARLY_HELP: "Council early help",
    OrgType.SOCIAL_CARE: "Children's social care",
    OrgType.POLICE: "Police force",
    OrgType.SCHOOL: "School",
    OrgType.GP: "GP practice",
    OrgType.HEALTH_VISITING: "Health visiting",
    OrgType.JOBCENTRE: "Jobcentre Plus",
    OrgType.HOUSING: "Housing",
    OrgType.VOLUNTARY: "Voluntary sector",
}

# Staff of the early help service itself, who work the front door and cases.
SERVICE_ROLES = frozenset(
    {Role.FRONT_DOOR, Role.PANEL_CHAIR, Role.KEYWORKER, Role.TEAM_MANAGER, Role.SOCIAL_WORKER}
)
PARTNER_ROLES = frozenset({Role.PARTNER, Role.PARTNER_SYSTEM, Role.PANEL_MEMBER})
