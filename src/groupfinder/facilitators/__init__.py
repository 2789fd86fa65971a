"""Facilitators: the people who lead meetings; contact details private unless they opt in."""
