"""The data identification route (issue 18, point 3): families the area's partner data shows to
meet the programme's eligibility rules, who are not open to the service, proposed to the front
door with the evidence for each problem."""
