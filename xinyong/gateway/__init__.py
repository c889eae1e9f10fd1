"""The unified interface service: quotas, usage statistics and the state of API keys."""
