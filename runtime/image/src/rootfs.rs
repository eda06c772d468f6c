//! Reading a root filesystem folder as a one-layer image: every entry below the folder,
//! without following symlinks, with the same consumers and demand as an image layer.

use std::collections::HashMap;
use std::fs::{self, File};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use tollgate_facts::{FileKind, Image};

use crate::demand::Demand;
use crate::layer::{Entry, FileData, LayerScan, Pass, read_regular};
use crate::paths::child;
use crate::store::lower;
use crate::{ImageRead, ReadOptions, squash};

/// Reads the folder at `root`.
pub(crate) fn read(
    root: &Path,
    options: &ReadOptions<'_>,
    demand: &Demand,
) -> Result<ImageRead, String> {
    let pass = Pass::new(options, demand);
    let mut scan = LayerScan::new(0);
    // (device, inode) of files with several links: the first path seen, for hardlinks.
    let mut seen: HashMap<(u64, u64), String> = HashMap::new();
    let mut folders: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), "/".to_string())];
    while let Some((folder, image_path)) = folders.pop() {
        let mut children: Vec<_> = fs::read_dir(&folder)
            .map_err(|err| format!("cannot list `{}`: {}", folder.display(), lower(&err)))?
            .filter_map(Result::ok)
            .collect();
        children.sort_by_key(fs::DirEntry::file_name);
        for child_entry in children {
            let disk_path = child_entry.path();
            let name = child_entry.file_name().to_string_lossy().into_owned();
            let path = child(&image_path, &name);
            let meta = match fs::symlink_metadata(&disk_path) {
                Ok(meta) => meta,
                Err(err) => {
                    scan.warnings.push(tollgate_facts::scan::Warning {
                        path,
                        message: format!("cannot read it: {}", lower(&err)),
                    });
                    continue;
                }
            };
            pass.count_entry()?;
            let kind = meta.file_type();
            let mut entry = Entry {
                path: path.clone(),
                kind: FileKind::File,
                mode: meta.mode() & 0o7777,
                uid: u64::from(meta.uid()),
                gid: u64::from(meta.gid()),
                size: 0,
                link: None,
                data: FileData::default(),
            };
            if kind.is_dir() {
                entry.kind = FileKind::Dir;
                folders.push((disk_path, path));
            } else if kind.is_symlink() {
                entry.kind = FileKind::Symlink;
                entry.link = fs::read_link(&disk_path)
                    .ok()
                    .map(|target| target.to_string_lossy().into_owned());
            } else if kind.is_file() {
                entry.size = meta.len();
                let first = (meta.nlink() > 1).then(|| {
                    seen.entry((meta.dev(), meta.ino()))
                        .or_insert_with(|| path.clone())
                        .clone()
                });
                match first {
                    Some(target) if target != path => {
                        entry.kind = FileKind::Hardlink;
                        entry.link = Some(target);
                    }
                    _ => {
                        let mut file = File::open(&disk_path).map_err(|err| {
                            format!("cannot read `{}`: {}", disk_path.display(), lower(&err))
                        })?;
                        entry.data = read_regular(
                            &pass, &mut scan, &path, entry.size, entry.mode, &mut file,
                        )
                        .map_err(|err| {
                            format!("cannot read `{}`: {}", disk_path.display(), lower(&err))
                        })?;
                    }
                }
            } else if kind.is_char_device() {
                entry.kind = FileKind::Char;
            } else if kind.is_block_device() {
                entry.kind = FileKind::Block;
            } else if kind.is_fifo() {
                entry.kind = FileKind::Fifo;
            } else {
                continue; // sockets do not ship in images
            }
            scan.entries.push(entry);
        }
    }
    Ok(squash::finish(
        Image::default(),
        squash::squash(vec![scan]),
        options,
        demand,
    ))
}
