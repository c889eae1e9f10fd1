"""Credit-based SME lending (信易贷): loan products, authorisations to banks, applications."""
