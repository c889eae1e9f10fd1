"""Policy documents and news for the portal, edited by the credit office."""
