"""Red and black lists: list types as data, current public entries."""
