"""When groups meet: schedules, their meetings, cancellations and one-off changes."""
