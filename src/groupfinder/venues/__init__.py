"""Venues: where groups meet, with their exact (private for sensitive groups) location."""
