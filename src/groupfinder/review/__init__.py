"""Review: admin moderation before anything goes public, the audit log, and problem reports."""
