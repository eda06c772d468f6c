//! Reads container images (docker-archive, OCI layout and archive, rootfs folders) into facts
