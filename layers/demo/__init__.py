"""The demo city: the real Kramatorsk frame (hromada boundary, 2015 street register, renamings in use)
with generated geometry, buildings, providers and service areas.

- register.py   reads and cleans the street register and the renamings (pure Python)
- geometry.py   lays out neighbourhoods, street axes and buildings from a seed (shapely, metres)
- providers.py  providers, service areas and ОСББ assignments over that layout (shapely, metres)
- service.py    load_demo_city(*, seed, force, stdout) -> DemoReport: writes it all with source="demo", idempotent
                (also importable as layers.demo.load_demo_city)

The geometry is SYNTHETIC: no open building data exists for Kramatorsk.
"""

__all__ = ["generate_demo_city", "load_demo_city"]


def __getattr__(name: str):
    # Lazy, so the pure modules (register, geometry) import without Django's models being ready.
    if name in __all__:
        from layers.demo import service

        return getattr(service, name)
    raise AttributeError(name)
