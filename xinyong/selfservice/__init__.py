"""Self-service for enterprises and citizens: sign-in, own records, who read them."""
