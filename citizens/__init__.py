"""Residents' channels: online filing, tracking, confirmation (above appeals; calls its services)."""
