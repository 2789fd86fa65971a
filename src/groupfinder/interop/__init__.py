"""Data in and out: reference data, demo listings, imports and exports."""
