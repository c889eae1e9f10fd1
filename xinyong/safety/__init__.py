"""Defences against hostile input and output: spreadsheet cells that cannot run as formulas
(``cells``), limits checked before a file is parsed (``limits``)."""
