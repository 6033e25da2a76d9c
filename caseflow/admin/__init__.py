"""Administration pages: people, organisations and teams, caseload capacity, passwords and
two-factor, API tokens. The rules and changes live in caseflow.auth.administration (and, for an
organisation's duty email and webhook, caseflow.notify.partners); these pages parse and render."""
