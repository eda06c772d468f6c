//! Named blobs of an image, whether it is a folder (an OCI layout, an unpacked docker-archive)
//! or a tar file (docker-archive, OCI archive). A tar is indexed once, by its headers, and each
//! blob is then read in place through positioned reads, so several layers can stream from one
//! file at once. A tar compressed as a whole is first inflated into an anonymous temporary file
//! (bounded by the total-bytes limit), since a compressed stream cannot be read in place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Limits;
use crate::layer::{Compression, sniff};
use crate::paths::normalise;

/// Symlinks between archive members followed before giving up.
const MAX_MEMBER_LINKS: usize = 8;

/// Where the blobs of an image live.
pub(crate) enum Store {
    /// A folder; names are relative paths inside it.
    Dir(PathBuf),
    /// A tar file indexed by member name.
    Tar {
        file: Arc<File>,
        members: HashMap<String, Member>,
    },
}

/// One member of an indexed tar.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    offset: u64,
    size: u64,
    /// For symlink and hardlink members: the target, as written.
    link: Option<Link>,
}

#[derive(Debug, Clone)]
enum Link {
    /// Relative to the member's folder.
    Symbolic(String),
    /// Relative to the archive root.
    Hard(String),
}

impl Store {
    /// Opens a folder or indexes a tar file.
    pub(crate) fn open(path: &Path, limits: &Limits) -> Result<Store, String> {
        if path.is_dir() {
            return Ok(Store::Dir(path.to_path_buf()));
        }
        let mut file =
            File::open(path).map_err(|err| format!("cannot open it: {}", lower(&err)))?;
        let mut magic = [0u8; 6];
        let read = read_up_to(&mut file, &mut magic).map_err(|err| lower(&err))?;
        file.seek(SeekFrom::Start(0)).map_err(|err| lower(&err))?;
        let head = magic.get(..read).unwrap_or_default();
        let file = match sniff(head) {
            Compression::None => file,
            Compression::Gzip | Compression::Zstd => spool(file, limits)?,
            Compression::Other(name) => {
                return Err(format!(
                    "the archive is compressed with {name}, which is not supported; decompress it first"
                ));
            }
        };
        let members = index_tar(&file, limits)?;
        Ok(Store::Tar {
            file: Arc::new(file),
            members,
        })
    }

    /// Whether a blob exists.
    pub(crate) fn exists(&self, name: &str) -> bool {
        match self {
            Store::Dir(root) => relative(name).is_some_and(|rel| root.join(rel).is_file()),
            Store::Tar { members, .. } => self.resolve_member(members, name).is_ok(),
        }
    }

    /// Opens a blob for streaming; returns the reader and the blob's size.
    pub(crate) fn open_blob(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), String> {
        match self {
            Store::Dir(root) => {
                let rel = relative(name)
                    .ok_or_else(|| format!("blob name `{name}` leaves the image folder"))?;
                let path = root.join(rel);
                let file = File::open(&path).map_err(|err| missing(name, &err))?;
                let meta = file.metadata().map_err(|err| lower(&err))?;
                if !meta.is_file() {
                    return Err(format!("`{name}` is not a file"));
                }
                Ok((Box::new(file), meta.len()))
            }
            Store::Tar { file, members } => {
                let member = self.resolve_member(members, name)?;
                let reader = Section {
                    file: Arc::clone(file),
                    pos: member.offset,
                    end: member.offset + member.size,
                };
                Ok((Box::new(reader), member.size))
            }
        }
    }

    /// Reads a small blob (a JSON document) whole, refusing one larger than `max`.
    pub(crate) fn read_small(&self, name: &str, max: u64) -> Result<Vec<u8>, String> {
        let (reader, size) = self.open_blob(name)?;
        if size > max {
            return Err(format!(
                "`{name}` is {size} bytes, more than the limit of {max}"
            ));
        }
        let mut data = Vec::new();
        reader
            .take(max)
            .read_to_end(&mut data)
            .map_err(|err| format!("cannot read `{name}`: {}", lower(&err)))?;
        Ok(data)
    }

    fn resolve_member<'m>(
        &self,
        members: &'m HashMap<String, Member>,
        name: &str,
    ) -> Result<&'m Member, String> {
        let mut current = normalise(name).ok_or_else(|| format!("`{name}` leaves the archive"))?;
        for _ in 0..MAX_MEMBER_LINKS {
            let member = members
                .get(&current)
                .ok_or_else(|| format!("`{name}` is missing from the archive"))?;
            current = match &member.link {
                None => return Ok(member),
                Some(Link::Hard(target)) => normalise(target),
                Some(Link::Symbolic(target)) => {
                    let base = current.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("");
                    if target.starts_with('/') {
                        normalise(target)
                    } else {
                        normalise(&format!("{base}/{target}"))
                    }
                }
            }
            .ok_or_else(|| format!("`{name}` links outside the archive"))?;
        }
        Err(format!(
            "`{name}` is a chain of more than {MAX_MEMBER_LINKS} links"
        ))
    }
}

/// A byte range of a shared file, read with positioned reads so readers do not share a cursor.
struct Section {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let Some(window) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if window.is_empty() {
            return Ok(0);
        }
        let read = self.file.read_at(window, self.pos)?;
        if read == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive ends inside a member",
            ));
        }
        self.pos += read as u64;
        Ok(read)
    }
}

/// Inflates a whole-file-compressed archive into an anonymous temporary file.
fn spool(file: File, limits: &Limits) -> Result<File, String> {
    let reader = crate::layer::decoder(Box::new(io::BufReader::new(file)))
        .map_err(|err| format!("cannot decompress the archive: {}", lower(&err)))?;
    let mut spooled = tempfile::tempfile()
        .map_err(|err| format!("cannot create a temporary file: {}", lower(&err)))?;
    let limit = limits.max_total_bytes;
    let copied = io::copy(&mut reader.take(limit.saturating_add(1)), &mut spooled)
        .map_err(|err| format!("cannot decompress the archive: {}", lower(&err)))?;
    if copied > limit {
        return Err(format!(
            "the archive inflates past the limit of {limit} bytes"
        ));
    }
    spooled
        .seek(SeekFrom::Start(0))
        .map_err(|err| lower(&err))?;
    Ok(spooled)
}

/// Reads the headers of a tar, seeking over the contents.
fn index_tar(file: &File, limits: &Limits) -> Result<HashMap<String, Member>, String> {
    let mut archive = tar::Archive::new(file);
    let entries = archive
        .entries_with_seek()
        .map_err(|err| format!("it is not a tar archive: {}", lower(&err)))?;
    let mut members = HashMap::new();
    let length = file.metadata().map_err(|err| lower(&err))?.len();
    for entry in entries {
        let entry =
            entry.map_err(|err| format!("the archive is not a valid tar: {}", lower(&err)))?;
        if members.len() as u64 >= limits.max_entries {
            return Err(format!(
                "the archive has more than {} members",
                limits.max_entries
            ));
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if entry.raw_file_position().saturating_add(entry.size()) > length {
            return Err(format!(
                "the archive is truncated: member `{raw}` ends past the end of the file"
            ));
        }
        let Some(name) = normalise(&raw) else {
            continue;
        };
        let kind = entry.header().entry_type();
        let target = || {
            entry
                .link_name_bytes()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        };
        let link = match kind {
            tar::EntryType::Symlink => target().map(Link::Symbolic),
            tar::EntryType::Link => target().map(Link::Hard),
            _ => None,
        };
        if !(kind.is_file() || link.is_some()) {
            continue;
        }
        members.insert(
            name,
            Member {
                offset: entry.raw_file_position(),
                size: entry.size(),
                link,
            },
        );
    }
    if members.is_empty() {
        return Err("it is an empty archive: no manifest.json or index.json".into());
    }
    Ok(members)
}

/// A relative path inside an image folder, refusing `..` and absolute names.
fn relative(name: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            other => path.push(other),
        }
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest)? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

fn missing(name: &str, err: &io::Error) -> String {
    if err.kind() == io::ErrorKind::NotFound {
        format!("`{name}` is missing")
    } else {
        format!("cannot open `{name}`: {}", lower(err))
    }
}

/// An IO error's text in the diagnostic style (lowercase first letter).
pub(crate) fn lower(err: &dyn std::fmt::Display) -> String {
    let text = err.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}
