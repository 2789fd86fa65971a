"""The public JSON API at /api/v1; every error is an RFC 9457 problem+json body."""
