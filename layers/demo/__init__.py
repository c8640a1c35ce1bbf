"""The demo city: the real Kramatorsk frame (hromada boundary, 2015 street register, renamings in use)
with generated geometry, buildings, providers and service areas.

- register.py   reads and cleans the street register and the renamings (pure Python)
- geometry.py   lays out neighbourhoods, street axes and buildings from a seed (shapely, metres)
- providers.py  providers, service areas and ОСББ assignments over that layout (shapely, metres)
- service.py    load_demo_city(): writes it all with source="demo", idempotent

The geometry is SYNTHETIC: no open building data exists for Kramatorsk.
"""
