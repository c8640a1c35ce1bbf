"""The in-memory gazetteer (being written): for now every lookup finds nothing."""

from __future__ import annotations


class _EmptyIndex:
    def geocode(self, query: str, *, limit: int):
        return []

    def suggest(self, prefix: str, *, limit: int):
        return []


def get_index() -> _EmptyIndex:
    return _EmptyIndex()


def invalidate() -> None:
    return None


def reverse(*, lon: float, lat: float, max_distance_m: float):
    return None
