"""Credit records: one fact about one subject from one source, versioned."""

# Status changes made in place are logged for the data sharing feeds (an attribute listener).
from xinyong.records import changes as _changes  # noqa: F401
