"""Consent and lawful bases, the access policy, field encryption and the audit trail."""
