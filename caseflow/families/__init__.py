"""Families, people, household membership, the single family view and matching."""
