"""Users, roles, organisations, teams, sign-in, passwords and API tokens."""
