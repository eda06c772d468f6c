//! The distribution (`/etc/os-release` and its fallbacks) and the accounts (`/etc/passwd`,
//! `/etc/group`, `/etc/shadow`) of the final filesystem. Of a shadow entry only the password's
//! state is kept, never the hash.

use std::collections::HashMap;

use tollgate_facts::scan::Warning;
use tollgate_facts::{Distro, Group, PasswordState, User};

/// Reads the distribution, trying os-release first and then the release files.
pub(crate) fn distro<'a>(file: &dyn Fn(&str) -> Option<&'a [u8]>) -> Option<Distro> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(found) = file(path).and_then(os_release) {
            return Some(found);
        }
    }
    if let Some(version) = file("/etc/alpine-release").and_then(first_line) {
        return Some(Distro {
            id: "alpine".into(),
            version,
            ..Distro::default()
        });
    }
    if let Some(version) = file("/etc/debian_version").and_then(first_line) {
        return Some(Distro {
            id: "debian".into(),
            version,
            ..Distro::default()
        });
    }
    file("/etc/redhat-release")
        .and_then(first_line)
        .map(|line| redhat_release(&line))
}

fn first_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}

/// Parses os-release; `None` when it names no distribution.
pub(crate) fn os_release(bytes: &[u8]) -> Option<Distro> {
    let text = String::from_utf8_lossy(bytes);
    let mut fields: HashMap<&str, String> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            fields.insert(key.trim(), unquote(value.trim()));
        }
    }
    let id = fields.remove("ID").filter(|id| !id.is_empty())?;
    let mut codename = fields.remove("VERSION_CODENAME").unwrap_or_default();
    if codename.is_empty() {
        // Older releases only say `VERSION="9 (stretch)"`.
        let version = fields.get("VERSION").cloned().unwrap_or_default();
        if let Some((_, rest)) = version.split_once('(') {
            let inner = rest.trim_end_matches(')').trim();
            if !inner.is_empty() && !inner.contains(' ') {
                codename = inner.to_lowercase();
            }
        }
    }
    Some(Distro {
        id,
        version: fields.remove("VERSION_ID").unwrap_or_default(),
        codename,
        name: fields.remove("PRETTY_NAME").unwrap_or_default(),
    })
}

/// Removes shell quoting from an os-release value.
fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// `CentOS Linux release 7.9.2009 (Core)` and the like.
fn redhat_release(line: &str) -> Distro {
    let lower = line.to_lowercase();
    let id = [
        ("centos", "centos"),
        ("red hat", "rhel"),
        ("fedora", "fedora"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("oracle", "ol"),
    ]
    .iter()
    .find(|(needle, _)| lower.contains(needle))
    .map_or("rhel", |(_, id)| id);
    let version = line
        .split_whitespace()
        .skip_while(|word| !word.eq_ignore_ascii_case("release"))
        .nth(1)
        .unwrap_or_default()
        .to_string();
    Distro {
        id: id.into(),
        version,
        codename: String::new(),
        name: line.to_string(),
    }
}

/// Reads users and groups; malformed lines are skipped with a warning.
pub(crate) fn accounts<'a>(
    file: &dyn Fn(&str) -> Option<&'a [u8]>,
) -> (Vec<User>, Vec<Group>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let shadow: HashMap<String, String> = file("/etc/shadow")
        .map(|bytes| {
            String::from_utf8_lossy(bytes)
                .lines()
                .filter_map(|line| {
                    let mut fields = line.split(':');
                    Some((fields.next()?.to_string(), fields.next()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut users = Vec::new();
    if let Some(bytes) = file("/etc/passwd") {
        for (number, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match passwd_line(line, &shadow) {
                Some(user) => users.push(user),
                None => warnings.push(Warning {
                    path: "/etc/passwd".into(),
                    message: format!("line {} is not a passwd entry; skipped", number + 1),
                }),
            }
        }
    }
    let mut groups = Vec::new();
    if let Some(bytes) = file("/etc/group") {
        for (number, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match group_line(line) {
                Some(group) => groups.push(group),
                None => warnings.push(Warning {
                    path: "/etc/group".into(),
                    message: format!("line {} is not a group entry; skipped", number + 1),
                }),
            }
        }
    }
    (users, groups, warnings)
}

fn passwd_line(line: &str, shadow: &HashMap<String, String>) -> Option<User> {
    let fields: Vec<&str> = line.split(':').collect();
    let [name, password, uid, gid, rest @ ..] = fields.as_slice() else {
        return None;
    };
    let password = match shadow.get(*name) {
        Some(hash) => password_state(hash),
        None if *password == "x" => PasswordState::Unknown,
        None => password_state(password),
    };
    Some(User {
        name: (*name).to_string(),
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        gecos: rest.first().copied().unwrap_or_default().to_string(),
        home: rest.get(1).copied().unwrap_or_default().to_string(),
        shell: rest.get(2).copied().unwrap_or_default().to_string(),
        password,
    })
}

/// The state of a password field; the hash itself is never kept.
fn password_state(field: &str) -> PasswordState {
    if field.is_empty() {
        PasswordState::Empty
    } else if field.starts_with('!') || field.starts_with('*') {
        PasswordState::Locked
    } else {
        PasswordState::Set
    }
}

fn group_line(line: &str) -> Option<Group> {
    let fields: Vec<&str> = line.split(':').collect();
    let [name, _, gid, rest @ ..] = fields.as_slice() else {
        return None;
    };
    let members = rest
        .first()
        .map(|members| {
            members
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(Group {
        name: (*name).to_string(),
        gid: gid.parse().ok()?,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_fields() {
        let distro = os_release(b"PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"9\"\nVERSION=\"9 (stretch)\"\nID=debian\n").unwrap();
        assert_eq!(
            distro,
            Distro {
                id: "debian".into(),
                version: "9".into(),
                codename: "stretch".into(),
                name: "Debian GNU/Linux 9 (stretch)".into()
            }
        );
        assert_eq!(os_release(b"NAME=x\n"), None);
    }

    #[test]
    fn release_file_fallbacks() {
        let files = |path: &str| -> Option<&'static [u8]> {
            (path == "/etc/redhat-release")
                .then_some(b"CentOS Linux release 7.9.2009 (Core)\n".as_slice())
        };
        let distro = distro(&files).unwrap();
        assert_eq!(
            (distro.id.as_str(), distro.version.as_str()),
            ("centos", "7.9.2009")
        );
        let alpine = |path: &str| -> Option<&'static [u8]> {
            (path == "/etc/alpine-release").then_some(b"3.11.5\n".as_slice())
        };
        assert_eq!(super::distro(&alpine).unwrap().version, "3.11.5");
    }

    #[test]
    fn accounts_keep_password_state_only() {
        let files = |path: &str| -> Option<&'static [u8]> {
            match path {
                "/etc/passwd" => Some(b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\nopen::1000:1000\nbroken line\n".as_slice()),
                "/etc/shadow" => Some(b"root:$6$salt$hash:18000::::::\nnobody:!:18000::::::\n".as_slice()),
                "/etc/group" => Some(b"root:x:0:\nwheel:x:10:root, admin\n".as_slice()),
                _ => None,
            }
        };
        let (users, groups, warnings) = accounts(&files);
        let states: Vec<_> = users
            .iter()
            .map(|u| (u.name.as_str(), u.password))
            .collect();
        assert_eq!(
            states,
            [
                ("root", PasswordState::Set),
                ("nobody", PasswordState::Locked),
                ("open", PasswordState::Empty)
            ]
        );
        assert_eq!(users[1].shell, "/sbin/nologin");
        assert_eq!(groups[1].members, ["root", "admin"]);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].message, "line 4 is not a passwd entry; skipped");
    }
}
