"""Accounts: organizers and admins who sign in."""
