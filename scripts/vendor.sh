#!/usr/bin/env bash
# Front-end libraries from the npm registry, served by us (no CDN):
# npm ci into node_modules/, then the dist files into var/vendor/ (a STATICFILES_DIRS entry).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error >/dev/null
V=var/vendor
rm -rf "$V"; mkdir -p "$V/leaflet" "$V/markercluster" "$V/leaflet-heat" "$V/vectorgrid" "$V/ol"
cp -r node_modules/leaflet/dist/. "$V/leaflet/"
cp node_modules/leaflet.markercluster/dist/*.js node_modules/leaflet.markercluster/dist/*.js.map node_modules/leaflet.markercluster/dist/*.css "$V/markercluster/"
cp node_modules/leaflet.heat/dist/leaflet-heat.js "$V/leaflet-heat/"
cp node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js "$V/vectorgrid/"
cp node_modules/ol/dist/ol.js node_modules/ol/dist/ol.js.map node_modules/ol/ol.css "$V/ol/"
# collectstatic rewrites sourceMappingURL references to hashed names: the .map files must be there too.
