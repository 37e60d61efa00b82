#!/bin/sh
# Installs nginx and the Nchan module (Debian packages) for `npm run bench -- --vs nchan`.
# Idempotent: does nothing when both are installed. Needs root (or sudo) and Debian's archive.
set -eu
module=/usr/lib/nginx/modules/ngx_nchan_module.so
if command -v nginx >/dev/null 2>&1 && [ -f "$module" ]; then
  echo "nchan: already installed ($(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?'))"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! apt-cache policy libnginx-mod-nchan | grep -q 'Candidate: [0-9]'; then
  echo "nchan: libnginx-mod-nchan has no install candidate in the configured apt sources" >&2
  exit 1
fi
# policy-rc.d may forbid starting the service; the benchmark starts its own nginx anyway.
$sudo apt-get install -y -qq --no-install-recommends nginx libnginx-mod-nchan
echo "nchan: installed $(dpkg-query -W -f='${Version}' libnginx-mod-nchan)"
