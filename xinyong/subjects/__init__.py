"""Subject databases: organizations by USCC, natural persons by resident ID."""
