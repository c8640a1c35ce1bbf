#!/usr/bin/env bash
# Installs the Debian packages E-City needs, only those missing.
set -euo pipefail
PKGS="postgresql-15 postgresql-15-postgis-3 gdal-bin libgdal-dev libgeos-dev libproj-dev python3-venv python3-dev
      redis-server chromium chromium-driver gettext
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
missing=()
# Node.js may come from elsewhere (with its own npm): only the commands matter.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
