#!/usr/bin/env bash
# Prints the folder holding the cached "Debian + PyPI + npm" image of the end-to-end package
# tests, building it first when missing.
#
# Usage: scripts/e2e-package-image.sh   (honours TOLLGATE_TEST_IMAGES, default target/test-images)
#
# The image is the cached Debian image of scripts/image-test-images.sh plus two layers added
# with `umoci unpack`/`repack`: /opt/pylib (`pip install --target`) and /srv/web (`npm install --prefix`),
# small packages at pinned versions, with one dependency nested under another package's
# node_modules. The folder holds:
#   oci/    the OCI image layout (tag `bookworm`)
#   pylib/  what pip installed (the tests run `pip list --path` on it)
#   web/    what npm installed (the tests run `npm ls --all --json --prefix` on it)
# The cache is keyed by this script and the Debian image, so editing either rebuilds it.
# Needs umoci, python3 -m pip, npm and the network to PyPI and the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${TOLLGATE_TEST_IMAGES:-$here/../target/test-images}
debian=$("$here/image-test-images.sh")
key=$( (sha256sum "$here/e2e-package-image.sh"; echo "$debian") | sha256sum | cut -c1-16)
out="$base/e2e-packages-$key"
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi
exec 9>"$base/.lock-e2e-packages"
flock 9
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi

rm -rf "$out.partial" && mkdir -p "$out.partial"
{
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --no-compile --disable-pip-version-check --target "$out.partial/pylib" \
    python-dateutil==2.9.0.post0 six==1.16.0 idna==3.7
  # is-odd 3.0.1 needs is-number ^6 while the top level pins 7: npm nests 6.0.0 under is-odd.
  npm install --silent --no-audit --no-fund --prefix "$out.partial/web" \
    is-odd@3.0.1 is-number@7.0.0 ms@2.1.3
  cp -a "$debian/oci" "$out.partial/oci"
  # Not `umoci insert`: umoci 0.4.7 (Debian bookworm) leaves its layers without the tar
  # trailer (opencontainers/umoci#436, fixed in 0.4.8 by #534).
  bundle="$out.partial/bundle"
  umoci unpack --image "$out.partial/oci:bookworm" "$bundle"
  mkdir -p "$bundle/rootfs/opt" && cp -a "$out.partial/pylib" "$bundle/rootfs/opt/pylib"
  umoci repack --image "$out.partial/oci:bookworm" --history.created_by "RUN pip install --target /opt/pylib" "$bundle"
  rm -rf "$bundle"
  umoci unpack --image "$out.partial/oci:bookworm" "$bundle"
  mkdir -p "$bundle/rootfs/srv" && cp -a "$out.partial/web" "$bundle/rootfs/srv/web"
  umoci repack --image "$out.partial/oci:bookworm" --history.created_by "RUN npm install --prefix /srv/web" "$bundle"
  rm -rf "$bundle"
  umoci gc --layout "$out.partial/oci"
} >&2
touch "$out.partial/done"
rm -rf "$out" && mv "$out.partial" "$out"
echo "$out"
