"""allocation capability: keyworkers and teams for cases, re-allocation, caseloads and capacity."""
