#!/usr/bin/env bash
# Prints the folder holding the cached Debian test image, building it first when missing.
# The cache is keyed by the hash of scripts/build-debian-image.sh, so editing the recipe
# rebuilds it and every crate's tests reuse one build.
#
# Usage: scripts/image-test-images.sh   (honours TOLLGATE_TEST_IMAGES, default target/test-images)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${TOLLGATE_TEST_IMAGES:-$here/../target/test-images}
key=$(sha256sum "$here/build-debian-image.sh" | cut -c1-16)
dir="$base/debian-$key"
if [ ! -f "$dir/config.env" ]; then
  mkdir -p "$base"
  exec 9>"$base/.lock"
  flock 9
  [ -f "$dir/config.env" ] || "$here/build-debian-image.sh" "$dir" >&2
fi
echo "$dir"
