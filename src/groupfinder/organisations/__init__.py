"""Organisations: the charities, affiliates and branches that run many groups, and their teams."""
