//! Normalising paths found in archives and layers into absolute image paths, never above root.

/// Normalises an archive member or layer entry name into an absolute path (`/a/b`): `./`,
/// repeated and trailing slashes go, a leading `/` is ignored, `..` is applied lexically.
/// Returns `None` when `..` would climb above the root: such an entry escapes the image.
pub(crate) fn normalise(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(join(&parts))
}

/// Joins components into an absolute path.
pub(crate) fn join(parts: &[&str]) -> String {
    let mut path = String::with_capacity(parts.iter().map(|part| part.len() + 1).sum());
    for part in parts {
        path.push('/');
        path.push_str(part);
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

/// The parent folder and the last component of an absolute path (`/` has no parent).
pub(crate) fn split_parent(path: &str) -> Option<(&str, &str)> {
    let (parent, name) = path.rsplit_once('/')?;
    if name.is_empty() {
        return None;
    }
    Some((if parent.is_empty() { "/" } else { parent }, name))
}

/// `parent/name` for an absolute `parent`.
pub(crate) fn child(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_member_names() {
        assert_eq!(normalise("./etc/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(normalise("/abs//x/").as_deref(), Some("/abs/x"));
        assert_eq!(normalise("a/b/../c").as_deref(), Some("/a/c"));
        assert_eq!(normalise("./").as_deref(), Some("/"));
        assert_eq!(normalise("../etc/passwd"), None);
        assert_eq!(normalise("a/../../x"), None);
        assert_eq!(normalise("/../secret.txt"), None);
    }

    #[test]
    fn splits_parents() {
        assert_eq!(split_parent("/a/b"), Some(("/a", "b")));
        assert_eq!(split_parent("/a"), Some(("/", "a")));
        assert_eq!(split_parent("/"), None);
        assert_eq!(child("/", "a"), "/a");
        assert_eq!(child("/a", "b"), "/a/b");
        assert_eq!(hex(&[0, 171, 255]), "00abff");
    }
}
