"""Practice tools a keyworker uses in the whole-family assessment and at reviews: the DASH domestic
abuse risk checklist (with the MARAC threshold) and the outcome wheel (distance travelled)."""
