"""Departments, staff users, login sessions and API keys."""
