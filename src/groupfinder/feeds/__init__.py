"""iCalendar feeds: a group's, a facilitator's, a search's, and one meeting."""
