"""Exchange with the provincial and national platforms: numbered, hashed upward packages with
receipts, retries and deadlines; national and provincial list files imported downward."""
