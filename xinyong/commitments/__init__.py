"""Credit commitments (信用承诺): public listing, fulfilment tracking, breaches."""
