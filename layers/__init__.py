"""The spatial registry: neighbourhoods, streets, buildings, providers, service areas, assignments; routing."""
