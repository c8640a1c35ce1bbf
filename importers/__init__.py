"""Files → registry. Management commands are thin wrappers around importers.core."""
