"""The floor every package stands on (DESIGN.md §2): the database, settings, errors, the access
policy engine, audit, encryption, timescales, the stage graph, the job queue and the shared
vocabularies. Nothing here imports anything else from caseflow."""
