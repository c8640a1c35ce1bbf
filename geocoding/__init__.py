"""Free text ⇄ building: normalisation, gazetteer, reverse geocoding, suggest, a geopy class."""
