//! Path filters, applied before any content is read: folders and file types that hold no
//! credentials (documentation, translations, images, fonts, compressed archives, package
//! manager indexes), so the image reader never buffers them.

/// Folders skipped whole. Each ends with `/`.
const SKIPPED_FOLDERS: &[&str] = &[
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/zoneinfo/",
    "/usr/share/mime/",
    "/usr/share/icons/",
    "/usr/share/pixmaps/",
    "/usr/share/fonts/",
    "/usr/share/X11/locale/",
    "/usr/share/common-licenses/",
    "/usr/share/lintian/",
    "/usr/share/terminfo/",
    "/usr/share/keyrings/",
    "/usr/lib/locale/",
    "/usr/lib/terminfo/",
    "/usr/include/",
    "/var/lib/apt/lists/",
    "/var/cache/apt/",
    "/var/cache/man/",
    "/proc/",
    "/sys/",
    "/dev/",
];

/// Files skipped by exact path: the package manager's own databases, public and large.
const SKIPPED_FILES: &[&str] = &[
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status-old",
    "/var/lib/dpkg/available",
    "/var/lib/dpkg/available-old",
    "/lib/apk/db/installed",
];

/// Extensions (lowercase, without the dot) of files that are binary or hold no credentials.
const SKIPPED_EXTENSIONS: &[&str] = &[
    // translations and documentation
    "mo", "gmo", "info", "man", // images, fonts, media
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "svgz", "psd", "xcf",
    "woff", "woff2", "ttf", "otf", "eot", "pfb", "pcf", "afm", "mp3", "mp4", "ogg", "wav", "flac",
    "avi", "mkv", "mov", "webm", "pdf",
    // archives and packages (their members are not scanned)
    "gz", "tgz", "xz", "txz", "bz2", "tbz2", "zst", "lz4", "lzma", "7z", "zip", "jar", "war", "ear",
    "whl", "deb", "rpm", "iso", "qcow2", // compiled code
    "so", "a", "o", "ko", "pyc", "pyo", "class", "dll", "exe", "wasm",
    // public keyrings and package file lists
    "gpg", "kbx", "md5sums", "list",
];

/// Whether a file at `path` is skipped without reading it.
pub(crate) fn is_skipped(path: &str) -> bool {
    if SKIPPED_FOLDERS
        .iter()
        .any(|folder| path.starts_with(folder))
        || SKIPPED_FILES.contains(&path)
    {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    // `libc.so.6`, `libssl.so.3`: versioned shared objects.
    if name.contains(".so.") {
        return true;
    }
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => {
            extension.len() <= 8
                && SKIPPED_EXTENSIONS
                    .iter()
                    .any(|skipped| extension.eq_ignore_ascii_case(skipped))
        }
        _ => false,
    }
}

/// How many leading bytes are sniffed for NUL bytes.
const SNIFF_LEN: usize = 8 * 1024;

/// Whether `data` is binary: a NUL byte in its first 8 KiB (ELF, images, databases, UTF-16).
pub(crate) fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, data.get(..SNIFF_LEN).unwrap_or(data)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_media_and_binaries_are_skipped() {
        for path in [
            "/usr/share/doc/bash/copyright",
            "/usr/share/locale/de/LC_MESSAGES/dpkg.mo",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/opt/app/logo.PNG",
            "/var/lib/dpkg/info/bash.md5sums",
            "/var/lib/dpkg/status",
        ] {
            assert!(is_skipped(path), "{path} should be skipped");
        }
        for path in [
            "/root/.docker/config.json",
            "/etc/ssl/private/server.key",
            "/app/.env",
            "/root/.netrc",
            "/srv/app/settings.conf",
            "/usr/share/docs-not-skipped/x",
        ] {
            assert!(!is_skipped(path), "{path} should be scanned");
        }
    }

    #[test]
    fn nul_in_the_head_marks_binary() {
        assert!(is_binary(b"\x7fELF\x02\x01\x01\x00"));
        assert!(!is_binary(b"password = k9Vq2mZx7Lp\n"));
        let mut late_nul = vec![b'a'; SNIFF_LEN];
        late_nul.push(0);
        assert!(!is_binary(&late_nul));
    }
}
