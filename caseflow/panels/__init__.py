"""panels capability: panel meetings, agendas, members, decisions and minutes."""
