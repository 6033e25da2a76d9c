"""Family records over time: correcting a person, household changes with dates, relationships
and parental responsibility, merging and unmerging duplicates, and splitting a wrong link."""
