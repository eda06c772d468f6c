//! Between LSP document URIs and the compiler's file paths.
//!
//! A policy file under the workspace root is named by its path relative to the root (so its
//! module name comes out as `tollgate check` computes it); a file elsewhere by its absolute
//! path. The stdlib sources are embedded in the binary: go-to-definition into them needs a
//! file an editor can open, so they are written, read-only, under a folder of the system's
//! temporary directory, and their URIs map back to their stdlib paths (`std/schema.tg`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tower_lsp_server::ls_types::Uri;

/// The workspace root and the folder of the stdlib copies.
#[derive(Debug, Clone)]
pub struct Paths {
    root: Option<PathBuf>,
    stdlib_dir: PathBuf,
}

impl Paths {
    /// Paths for a workspace rooted at `root`, with the stdlib written under the temp dir.
    pub fn new(root: Option<PathBuf>) -> Paths {
        let stdlib_dir =
            std::env::temp_dir().join(format!("tollgate-lsp-stdlib-{}", env!("CARGO_PKG_VERSION")));
        Paths { root, stdlib_dir }
    }

    /// Writes the stdlib sources (read-only) for go-to-definition; errors are returned so the
    /// server can log them, and definitions into the stdlib then point at missing files.
    pub fn write_stdlib(&self) -> std::io::Result<()> {
        for (_, path, text) in tollgate_stdlib::sources() {
            let target = self.stdlib_dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if std::fs::read_to_string(&target).is_ok_and(|current| current == *text) {
                continue;
            }
            if target.exists() {
                let mut permissions = std::fs::metadata(&target)?.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                permissions.set_readonly(false);
                std::fs::set_permissions(&target, permissions)?;
            }
            std::fs::write(&target, text)?;
            let mut permissions = std::fs::metadata(&target)?.permissions();
            permissions.set_readonly(true);
            std::fs::set_permissions(&target, permissions)?;
        }
        Ok(())
    }

    /// Whether `path` (a compiler path) is a stdlib source.
    pub fn is_stdlib(path: &str) -> bool {
        tollgate_stdlib::sources()
            .iter()
            .any(|(_, p, _)| *p == path)
    }

    /// The compiler path of a document.
    pub fn path_of(&self, uri: &Uri) -> String {
        let Some(file) = uri.to_file_path() else {
            return uri.as_str().to_string();
        };
        if let Ok(relative) = file.strip_prefix(&self.stdlib_dir) {
            return slash_path(relative);
        }
        if let Some(root) = &self.root
            && let Ok(relative) = file.strip_prefix(root)
        {
            return slash_path(relative);
        }
        file.to_string_lossy().into_owned()
    }

    /// The URI of a compiler path.
    pub fn uri_of(&self, path: &str) -> Option<Uri> {
        if path.contains("://") || path.starts_with("untitled:") {
            return Uri::from_str(path).ok();
        }
        let file = if Paths::is_stdlib(path) {
            self.stdlib_dir.join(path)
        } else {
            match &self.root {
                Some(root) if Path::new(path).is_relative() => root.join(path),
                _ => PathBuf::from(path),
            }
        };
        Uri::from_file_path(file)
    }

    /// The `.tg` files under the root (skipping hidden folders and `target`), as (compiler
    /// path, text); unreadable files are skipped.
    pub fn policy_files(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            collect(root, root, &mut out, 0);
        }
        out
    }
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>, depth: usize) {
    // A workspace deeper than this is almost surely a symlink loop.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                collect(root, &path, out, depth + 1);
            }
        } else if name.ends_with(".tg")
            && let Ok(relative) = path.strip_prefix(root)
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push((slash_path(relative), text));
        }
    }
}
