"""Data in (issue 18): the migration import from the case management system an area already has.

A bundle of CSV files (docs/migration-bundle.md) is checked whole first (`bundle.check`), then
written through the ordinary models (`migration.run`), batch by batch, each record marked with
the source system's id (`MigrationRecord`), so a second run of the same bundle changes nothing.
The command (`caseflow import migration`) and the queued job behind the import page are the
entry points that commit each batch.
"""
