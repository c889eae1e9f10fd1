"""Data aggregation: collect, clean, transform, link and load departments' records."""
