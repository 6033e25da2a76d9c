"""Read models: views over many capabilities at once (DESIGN.md §2).

The single family view and search, the case page, the chronology, the social care handover pack,
subject access exports and the retention schedule. They read every domain package and sit above
them; nothing in the domain imports them.
"""
