"""A synthetic demo city: departments, subjects and records across the catalog."""
