"""Organizer pages: list, create and edit one's own groups, venues, schedules and facilitators."""
