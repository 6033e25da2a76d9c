"""plans capability."""
