//! Squashing layers into the final filesystem (whiteouts and opaque folders applied as the OCI
//! image spec says), binding hardlinks to their targets, resolving symlinks inside the image
//! root, and turning the result into facts: files, distro, users, groups, and the packages and
//! secrets of the consumers.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;

use tollgate_facts::scan::{Inspection, Warning};
use tollgate_facts::{File, FileKind, Image, Secret};

use crate::demand::Demand;
use crate::layer::{Entry, LayerScan};
use crate::paths::join;
use crate::{ImageRead, ReadOptions, system};

/// An entry of the final filesystem and the layer it comes from.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) entry: Entry,
    pub(crate) layer: usize,
}

/// The final filesystem (by path) and what the layers yielded besides.
#[derive(Debug, Default)]
pub(crate) struct Squashed {
    pub(crate) files: BTreeMap<String, Node>,
    inspections: Vec<Inspection>,
    secrets: Vec<Secret>,
    warnings: Vec<Warning>,
}

/// Applies the layers in order.
pub(crate) fn squash(scans: Vec<LayerScan>) -> Squashed {
    let mut squashed = Squashed::default();
    for scan in scans {
        let files = &mut squashed.files;
        // A layer's whiteouts hide what lower layers hold, never the layer's own entries.
        for folder in &scan.opaques {
            remove_under(files, folder);
        }
        for path in &scan.whiteouts {
            files.remove(path);
            remove_under(files, path);
        }
        for entry in scan.entries {
            let replaces_folder = files
                .get(&entry.path)
                .is_some_and(|node| node.entry.kind == FileKind::Dir);
            if replaces_folder && entry.kind != FileKind::Dir {
                remove_under(files, &entry.path);
            }
            files.insert(
                entry.path.clone(),
                Node {
                    entry,
                    layer: scan.index,
                },
            );
        }
        squashed.inspections.extend(scan.inspections);
        squashed.secrets.extend(scan.secrets);
        squashed.warnings.extend(scan.warnings);
    }
    squashed
}

/// Removes everything below `folder`.
fn remove_under(files: &mut BTreeMap<String, Node>, folder: &str) {
    let prefix = if folder == "/" {
        "/".to_string()
    } else {
        format!("{folder}/")
    };
    let doomed: Vec<String> = files
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .take_while(|(path, _)| path.starts_with(&prefix))
        .map(|(path, _)| path.clone())
        .collect();
    for path in doomed {
        files.remove(&path);
    }
}

/// Resolves `path` in the final filesystem, following symlinks (also in the last component)
/// inside the image root: `..` stops at the root, absolute targets restart from it. Fails when
/// more than `max_depth` links are followed, as a loop does.
pub(crate) fn resolve(
    files: &BTreeMap<String, Node>,
    path: &str,
    max_depth: u32,
) -> Result<String, String> {
    resolve_with(
        |here| {
            files
                .get(here)
                .filter(|node| node.entry.kind == FileKind::Symlink)
                .map(|node| node.entry.link.as_deref().unwrap_or_default())
        },
        path,
        max_depth,
    )
}

/// [`resolve`] over any lookup that gives the target of the symlink at a path.
pub(crate) fn resolve_with<'a>(
    symlink: impl Fn(&str) -> Option<&'a str>,
    path: &str,
    max_depth: u32,
) -> Result<String, String> {
    let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
    let mut current: Vec<String> = Vec::new();
    let mut followed = 0u32;
    while let Some(part) = pending.pop_front() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => current.push(part),
        }
        let here = join(&current.iter().map(String::as_str).collect::<Vec<_>>());
        let Some(target) = symlink(&here) else {
            continue;
        };
        followed += 1;
        if followed > max_depth {
            return Err(format!(
                "more than {max_depth} levels of symbolic links (a loop?)"
            ));
        }
        current.pop();
        if target.starts_with('/') {
            current.clear();
        }
        for part in target.split('/').rev() {
            pending.push_front(part.to_string());
        }
    }
    Ok(join(
        &current.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
}

/// Turns the squashed filesystem into the image's facts.
pub(crate) fn finish(
    mut image: Image,
    squashed: Squashed,
    options: &ReadOptions<'_>,
    demand: &Demand,
) -> ImageRead {
    let Squashed {
        mut files,
        inspections,
        mut secrets,
        mut warnings,
    } = squashed;
    bind_hardlinks(&mut files, demand, &mut warnings);
    let depth = options.limits.max_symlink_depth;
    for (path, node) in &files {
        if node.entry.kind == FileKind::Symlink
            && let Err(problem) = resolve(&files, path, depth)
        {
            warnings.push(Warning {
                path: path.clone(),
                message: format!("the symlink cannot be resolved: {problem}"),
            });
        }
    }
    let system_file = |path: &str| -> Option<&[u8]> {
        let resolved = resolve(&files, path, depth).ok()?;
        files.get(&resolved)?.entry.data.system.as_deref()
    };
    image.distro = system::distro(&system_file);
    let (users, groups, system_warnings) = system::accounts(&system_file);
    image.users = users;
    image.groups = groups;
    warnings.extend(system_warnings);

    let present = |path: &str, layer: i64| {
        files.get(path).is_some_and(|node| {
            node.entry.kind == FileKind::File && i64::try_from(node.layer).ok() == Some(layer)
        })
    };
    if let Some(catalog) = options.catalog {
        let mut found: Vec<Inspection> = inspections
            .into_iter()
            .filter(|found| present(&found.path, found.layer))
            .collect();
        found.sort_by(|a, b| a.path.cmp(&b.path).then(a.layer.cmp(&b.layer)));
        let (packages, catalog_warnings) = catalog.finish(found, image.distro.as_ref());
        image.packages = packages;
        warnings.extend(catalog_warnings);
    }
    for secret in &mut secrets {
        secret.present = present(&secret.path, secret.layer);
    }
    image.secrets = secrets;
    image.files = files
        .into_iter()
        .map(|(path, node)| file_fact(path, node))
        .collect();
    ImageRead { image, warnings }
}

/// Gives each hardlink its target's size (and captured content where demanded).
fn bind_hardlinks(
    files: &mut BTreeMap<String, Node>,
    demand: &Demand,
    warnings: &mut Vec<Warning>,
) {
    let links: Vec<(String, String)> = files
        .iter()
        .filter(|(_, node)| node.entry.kind == FileKind::Hardlink)
        .map(|(path, node)| (path.clone(), node.entry.link.clone().unwrap_or_default()))
        .collect();
    for (path, target) in links {
        let Some(bound) = files
            .get(&target)
            .filter(|node| node.entry.kind == FileKind::File)
            .map(|node| node.entry.clone())
        else {
            warnings.push(Warning {
                path: path.clone(),
                message: format!("the hardlink's target `{target}` is not a file of the image"),
            });
            continue;
        };
        if let Some(node) = files.get_mut(&path) {
            node.entry.size = bound.size;
            if demand.wants_sha256(&path) {
                node.entry.data.sha256 = bound.data.sha256;
            }
            if demand.wants_content(&path) {
                node.entry.data.content = bound.data.content;
                node.entry.data.truncated = bound.data.truncated;
            }
        }
    }
}

fn file_fact(path: String, node: Node) -> File {
    let Node { entry, layer } = node;
    File {
        path,
        kind: entry.kind,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        size: entry.size,
        link_target: entry.link.map(String::into_boxed_str),
        layer: i64::try_from(layer).unwrap_or(i64::MAX),
        setuid: entry.mode & 0o4000 != 0,
        setgid: entry.mode & 0o2000 != 0,
        sha256: entry.data.sha256.map(String::into_boxed_str),
        content: entry.data.content.map(String::into_boxed_str),
        truncated: entry.data.truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(path: &str, kind: FileKind, link: Option<&str>) -> (String, Node) {
        let entry = Entry {
            path: path.into(),
            kind,
            link: link.map(str::to_string),
            ..Entry::default()
        };
        (path.to_string(), Node { entry, layer: 0 })
    }

    #[test]
    fn resolves_inside_the_root() {
        let files: BTreeMap<String, Node> = [
            node("/etc", FileKind::Dir, None),
            node(
                "/etc/os-release",
                FileKind::Symlink,
                Some("../usr/lib/os-release"),
            ),
            node("/usr/lib/os-release", FileKind::File, None),
            node("/up", FileKind::Symlink, Some("../../../../etc")),
            node("/loop-a", FileKind::Symlink, Some("/loop-b")),
            node("/loop-b", FileKind::Symlink, Some("loop-a")),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            resolve(&files, "/etc/os-release", 8).unwrap(),
            "/usr/lib/os-release"
        );
        assert_eq!(
            resolve(&files, "/up/os-release", 8).unwrap(),
            "/usr/lib/os-release"
        );
        assert!(
            resolve(&files, "/loop-a", 8)
                .unwrap_err()
                .contains("more than 8 levels")
        );
    }

    #[test]
    fn whiteouts_apply_to_lower_layers_only() {
        let entry = |path: &str, kind| Entry {
            path: path.into(),
            kind,
            ..Entry::default()
        };
        let mut lower = LayerScan::new(0);
        lower.entries = vec![
            entry("/a", FileKind::Dir),
            entry("/a/x", FileKind::File),
            entry("/b", FileKind::Dir),
            entry("/b/y", FileKind::File),
            entry("/c", FileKind::Dir),
            entry("/c/z", FileKind::File),
        ];
        let mut upper = LayerScan::new(1);
        upper.whiteouts = vec!["/a".into()];
        upper.opaques = vec!["/b".into()];
        upper.entries = vec![
            entry("/a", FileKind::Dir),
            entry("/a/new", FileKind::File),
            entry("/b/own", FileKind::File),
            entry("/c", FileKind::File),
        ];
        let squashed = squash(vec![lower, upper]);
        let paths: Vec<(&str, usize)> = squashed
            .files
            .iter()
            .map(|(p, n)| (p.as_str(), n.layer))
            .collect();
        assert_eq!(
            paths,
            [
                ("/a", 1),
                ("/a/new", 1),
                ("/b", 0),
                ("/b/own", 1),
                ("/c", 1)
            ]
        );
    }
}
