"""Listing sources: feeds (Meeting Guide JSON) whose entries are kept here as listings.

Only the model lives here, below ``groups`` so a listing can name its source; reading a feed
and refreshing its listings is ``interop.mg_parse`` and ``interop.sources``."""
