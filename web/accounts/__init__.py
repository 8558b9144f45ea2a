"""User accounts: who may sign in, with which role, and the users page."""
