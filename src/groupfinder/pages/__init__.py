"""Static-ish public pages: home, about, privacy, health checks."""
