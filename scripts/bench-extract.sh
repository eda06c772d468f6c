#!/usr/bin/env bash
# Whole-process benchmarks of image extraction, each against its baseline in the same run.
#
#   1. Reading the Debian test image (OCI layout, gzip layers) with file metadata only, against
#      `gzip -dc` of its base layer: the goal is at most 1.2 times gzip.
#   2. A four-layer image (four distinct gzip layers of ~170 MB each) read on the machine's
#      cores, against `gzip -dc` of the four layers one after another: the goal is less time.
#   3. Peak memory (`/usr/bin/time -v`) for three image sizes: Alpine (6 MB), Debian (170 MB),
#      the four-layer image (680 MB): the goal is under 150 MB whatever the size.
#
# Usage: scripts/bench-extract.sh [OUTDIR]   (needs hyperfine, jq, GNU time; TOLLGATE_FIXTURES
# overrides ../shared/fixtures; builds the
# Debian image through scripts/image-test-images.sh when it is not cached)
# The reader is the `read_image` example of crate tollgate-image until `tollgate facts` exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/target/bench-extract}
mkdir -p "$out"

(cd "$repo" && cargo build --quiet --release -p tollgate-image --example read_image)
reader="${CARGO_TARGET_DIR:-$repo/target}/release/examples/read_image"
debian=$("$here/image-test-images.sh")
layout="$debian/oci"

blob_of() { # the blob file of layer $2 of the OCI layout $1
  local manifest
  manifest=$(jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2)
  echo "$1/blobs/sha256/$(jq -r ".layers[$2].digest" "$1/blobs/sha256/$manifest" | cut -d: -f2)"
}
base_layer=$(blob_of "$layout" 0)

# The four-layer image: the Debian root filesystem four times, each copy with a marker file so
# the layers differ, gzipped at the default level as docker and skopeo do.
four="$out/four-layers"
if [ ! -f "$four/index.json" ]; then
  rm -rf "$four" "$out/stage" && mkdir -p "$four/blobs/sha256" "$out/stage"
  layers_json="" diff_ids=""
  for i in 1 2 3 4; do
    echo "layer $i" >"$out/stage/marker"
    tar -C "$debian/rootfs" --numeric-owner -cf "$out/stage/layer.tar" . -C "$out/stage" marker
    diff_id=$(sha256sum "$out/stage/layer.tar" | cut -d' ' -f1)
    gzip -6 -n <"$out/stage/layer.tar" >"$out/stage/layer.tar.gz"
    digest=$(sha256sum "$out/stage/layer.tar.gz" | cut -d' ' -f1)
    size=$(stat -c %s "$out/stage/layer.tar.gz")
    mv "$out/stage/layer.tar.gz" "$four/blobs/sha256/$digest"
    layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$size}"
    diff_ids+="${diff_ids:+,}\"sha256:$diff_id\""
  done
  rm -rf "$out/stage"
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]}}"
  config_digest=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" >"$four/blobs/sha256/$config_digest"
  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":${#config}},\"layers\":[$layers_json]}"
  manifest_digest=$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)
  printf '%s' "$manifest" >"$four/blobs/sha256/$manifest_digest"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$four/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s}]}' \
    "$manifest_digest" "${#manifest}" >"$four/index.json"
fi
four_blobs=$(for i in 0 1 2 3; do blob_of "$four" $i; done | tr '\n' ' ')

echo "== 1. Debian image (metadata only) vs gzip -dc of its base layer"
hyperfine --warmup 1 --runs 10 --export-json "$out/debian.json" \
  -n "gzip -dc base layer" "gzip -dc $base_layer >/dev/null" \
  -n "read_image debian" "$reader $layout >/dev/null"

echo "== 2. four-layer image on $(nproc) cores vs sequential gzip -dc of its layers"
hyperfine --warmup 1 --runs 5 --export-json "$out/four.json" \
  -n "gzip -dc 4 layers sequentially" "for b in $four_blobs; do gzip -dc \$b >/dev/null; done" \
  -n "read_image four layers" "$reader $four >/dev/null"

ratio() { jq -r '[.results[].mean] | "\(.[1] / .[0] * 1000 | round / 1000)"' "$1"; }
echo "ratio read_image / gzip (debian):      $(ratio "$out/debian.json")"
echo "ratio read_image / gzip (four layers): $(ratio "$out/four.json")"

echo "== 3. peak memory"
alpine="${TOLLGATE_FIXTURES:-$repo/../shared/fixtures}/images/alpine-3.11.docker.tar.gz"
for image in "$alpine" "$layout" "$debian/image.docker.tar" "$four"; do
  peak=$(/usr/bin/time -v "$reader" "$image" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  printf '%-60s %6d KB peak RSS\n' "$(basename "$(dirname "$image")")/$(basename "$image")" "$peak"
done
