"""Joint incentives and punishments: measures and matters as data, credit checks, feedback."""
