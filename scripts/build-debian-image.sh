#!/usr/bin/env bash
# Builds a real two-layer Debian bookworm image for the image reader's tests and benchmarks.
#
# Usage: scripts/build-debian-image.sh OUTDIR
#
# Layer 0 is `debootstrap --variant=minbase bookworm`; layer 1 deletes, replaces and adds
# files. The image config sets user, env, exposed ports, volumes, labels, entrypoint, cmd,
# workdir and stop signal (umoci has no healthcheck option). OUTDIR receives:
#   oci/            the OCI image layout (tag `bookworm`)
#   image.docker.tar  the same image as a docker-archive (skopeo)
#   image.oci.tar     the same image as an OCI archive (skopeo)
#   rootfs/         the final root filesystem the image was built from (what layer 1 left)
#   config.env      the config values that were set, for the tests to compare
# Needs root, debootstrap, umoci, skopeo and the network to deb.debian.org.
set -euo pipefail

out=${1:?usage: build-debian-image.sh OUTDIR}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-debian.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/debootstrap"
debootstrap --variant=minbase bookworm "$work/debootstrap" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
# The apt caches and logs differ run to run and are not part of what we test.
rm -rf "$work/debootstrap/var/cache/apt/archives/"*.deb "$work/debootstrap/var/log/"*.log

layout="$work/oci"
umoci init --layout "$layout"
umoci new --image "$layout:bookworm"
umoci unpack --image "$layout:bookworm" "$work/bundle"
# umoci's fresh rootfs is empty; fill it with the debootstrap tree, keeping owners, modes,
# hardlinks and device nodes.
(cd "$work/debootstrap" && tar --numeric-owner --xattrs -cf - .) | (cd "$work/bundle/rootfs" && tar --numeric-owner -xpf -)
umoci repack --image "$layout:bookworm" "$work/bundle"

umoci config --image "$layout:bookworm" \
  --config.user 1000:1000 \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env APP_MODE=production \
  --config.exposedports 8080/tcp --config.exposedports 53/udp \
  --config.volume /data \
  --config.label org.opencontainers.image.vendor=tollgate-tests --config.label tier=backend \
  --config.entrypoint /usr/bin/env --config.entrypoint -- \
  --config.cmd /bin/sh --config.cmd -c --config.cmd "echo hello" \
  --config.workingdir /srv/app \
  --config.stopsignal SIGTERM \
  --architecture amd64 --os linux \
  --history.created_by "umoci config"

# Layer 1: delete, replace and add files.
rm -rf "$work/bundle"
umoci unpack --image "$layout:bookworm" "$work/bundle"
root="$work/bundle/rootfs"
rm -rf "$root/usr/share/doc/apt" "$root/usr/share/man"        # deleted directories
rm -f "$root/etc/issue.net" "$root/usr/bin/zdump"             # deleted files
printf 'Tollgate test image\n' >"$root/etc/issue"               # replaced file
rm -f "$root/etc/motd" && ln -s /etc/issue "$root/etc/motd"     # file replaced by a symlink
mkdir -p "$root/srv/app/bin"  # not /data: umoci masks volume paths
printf '#!/bin/sh\necho hello\n' >"$root/srv/app/bin/run" && chmod 0755 "$root/srv/app/bin/run"
printf 'secret=1\n' >"$root/srv/app/settings.conf" && chmod 0640 "$root/srv/app/settings.conf"
chown -R 1000:1000 "$root/srv/app"
ln "$root/srv/app/bin/run" "$root/srv/app/bin/run-again"       # a hardlink
cp "$root/usr/bin/true" "$root/usr/local/bin/helper" && chmod 4755 "$root/usr/local/bin/helper"  # setuid
umoci repack --image "$layout:bookworm" --history.created_by "RUN /bin/sh -c edit files # buildkit" "$work/bundle"
umoci gc --layout "$layout"

rm -rf "$out.partial" && mkdir -p "$out.partial"
skopeo copy --quiet "oci:$layout:bookworm" "docker-archive:$out.partial/image.docker.tar:tollgate/debian:bookworm"
skopeo copy --quiet "oci:$layout:bookworm" "oci-archive:$out.partial/image.oci.tar:bookworm"
cp -a "$layout" "$out.partial/oci"
mv "$root" "$out.partial/rootfs"
cat >"$out.partial/config.env" <<'CONF'
user=1000:1000
env=APP_MODE=production PATH=/usr/local/bin:/usr/bin:/bin
exposed_ports=53/udp 8080/tcp
volumes=/data
labels=org.opencontainers.image.vendor=tollgate-tests tier=backend
entrypoint=/usr/bin/env --
cmd=/bin/sh -c echo hello
workdir=/srv/app
stop_signal=SIGTERM
CONF
rm -rf "$out" && mv "$out.partial" "$out"
