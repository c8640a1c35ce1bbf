"""Residents' channels: online filing, tracking, confirmation, Open311 GeoReport v2 (above appeals; calls its services)."""
