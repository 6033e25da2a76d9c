"""`caseflow seed`: a synthetic county at any size, loaded in bulk (issue 16).

Households with the demo's shape (caseflow/demo*.py) and histories across every stage, written
straight to the tables rather than through the services, because the services write one row at a
time and a county is millions of rows:

- `texts`: the words of casework, and the pools of notes encrypted once and reused;
- `generator`: pure generation of rows (nothing touches the database), reproducible from a seed;
- `loader`: COPY on PostgreSQL (generation in a second process while the first COPYs) and
  executemany on SQLite, the audit chain head and the logins file.

The rows obey what the services would have written: stages moved only along the stage graph,
request -> triage -> panel -> allocation -> assessment -> plan -> reviews -> closure in that order,
nothing dated after the as-of date, keyworkers' caseloads within their capacity, free text
encrypted under the app's keys, audit events sealed into the hash chain.
"""
