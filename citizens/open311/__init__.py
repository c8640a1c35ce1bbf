"""Open311 GeoReport v2 at /open311/: discovery, services, service definitions, requests, tokens, updates.

An app of its own (label ``open311``) inside the citizens room, so that its tables and migrations never
collide with those of online filing. It files appeals through citizens.services and reads through its
own selectors; it never writes appeal tables itself.
"""
