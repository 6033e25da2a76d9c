"""Step-up to and step-down from children's social care, and the social care episode."""
