"""The directory of local services (issue 20, point 9): what each service offers, for which
headline problems, where, how to reach it and who it is for. Administrators keep it; the front
door, the panel and keyworkers pick from it when they signpost a family (at triage, at panel and
at closure), and the family's letter prints what was picked."""
