"""notify capability."""
