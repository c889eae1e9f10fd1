"""Government integrity (政务诚信): government bodies' arrears to enterprises as staff see them.
The records, the evaluation model and the measures are data (catalog items gov_*, model
gov_integrity, measures G01-G05); this package reads the arrears for the workbench and API."""
