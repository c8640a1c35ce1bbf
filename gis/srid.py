"""Spatial reference systems used by E-City.

Geometries are stored in WGS 84 (EPSG:4326); distances and areas are measured
in UTM zone 37N (EPSG:32637), which covers Kramatorsk. Never measure in degrees
or in Web Mercator (3857 is ~51% off in length at Kramatorsk's latitude).
"""

STORAGE_SRID = 4326
METRIC_SRID = 32637
WEB_MERCATOR_SRID = 3857
