"""outcomes capability."""
