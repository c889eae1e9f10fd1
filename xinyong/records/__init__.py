"""Credit records: one fact about one subject from one source, versioned."""
