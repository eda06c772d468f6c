//! The server's shared state: the compiler behind one writer, snapshots for readers, and the
//! debounced diagnostics publisher.
//!
//! Edits are numbered as they arrive and sent to the writer thread, which applies them in
//! order and advances `applied`. A request first waits until every edit that arrived before
//! it is applied (so completion right after typing `.` sees the `.`), then clones the
//! database and runs on a blocking thread. A salsa write waits for every clone to drop and
//! makes running queries unwind with `salsa::Cancelled`: a cancelled request retries on the
//! new state. No clone is ever held across an `.await`.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tollgate_compiler::Compiler;
use tollgate_compiler::db::{Database, Workspace};
use tollgate_compiler::ide::Analysis;
use tower_lsp_server::Client;

use crate::convert;
use crate::paths::Paths;

/// A change to the set of sources.
#[derive(Debug)]
pub enum Edit {
    /// Add a file or replace its text.
    Set {
        /// Compiler path.
        path: String,
        /// The new text.
        text: String,
    },
    /// Remove a file.
    Remove {
        /// Compiler path.
        path: String,
    },
}

/// Everything the handlers share.
pub struct State {
    compiler: Mutex<Compiler>,
    received: AtomicU64,
    applied: tokio::sync::watch::Sender<u64>,
    edits: Mutex<Option<mpsc::Sender<(u64, Edit)>>>,
    paths: RwLock<Paths>,
    /// Open documents' versions, by compiler path.
    versions: Mutex<BTreeMap<String, i32>>,
}

impl State {
    /// A state with only the stdlib, and its writer thread (which publishes through
    /// `client` on the runtime `handle`).
    pub fn start(client: Client, debounce: Duration) -> Arc<State> {
        let (sender, receiver) = mpsc::channel();
        let (applied, _) = tokio::sync::watch::channel(0);
        let state = Arc::new(State {
            compiler: Mutex::new(Compiler::new()),
            received: AtomicU64::new(0),
            applied,
            edits: Mutex::new(Some(sender)),
            paths: RwLock::new(Paths::new(None)),
            versions: Mutex::new(BTreeMap::new()),
        });
        let writer = state.clone();
        let handle = tokio::runtime::Handle::try_current().ok();
        let spawned = std::thread::Builder::new()
            .name("tollgate-lsp-writer".to_string())
            .spawn(move || writer.write_loop(&receiver, &client, handle, debounce));
        if spawned.is_err() {
            // Without a writer no edit would ever apply: drop the sender so edits are refused
            // loudly (requests still answer on the stdlib).
            if let Ok(mut edits) = state.edits.lock() {
                *edits = None;
            }
        }
        state
    }

    /// The current paths.
    pub fn paths(&self) -> Paths {
        match self.paths.read() {
            Ok(paths) => paths.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Sets the workspace root.
    pub fn set_paths(&self, paths: Paths) {
        match self.paths.write() {
            Ok(mut guard) => *guard = paths,
            Err(poisoned) => *poisoned.into_inner() = paths,
        }
    }

    /// Records an open document's version.
    pub fn set_version(&self, path: &str, version: Option<i32>) {
        if let Ok(mut versions) = self.versions.lock() {
            match version {
                Some(v) => versions.insert(path.to_string(), v),
                None => versions.remove(path),
            };
        }
    }

    fn version(&self, path: &str) -> Option<i32> {
        self.versions.lock().ok()?.get(path).copied()
    }

    /// Queues an edit; returns false when the writer is gone.
    pub fn edit(&self, edit: Edit) -> bool {
        let Ok(edits) = self.edits.lock() else {
            return false;
        };
        let Some(sender) = edits.as_ref() else {
            return false;
        };
        let number = self.received.fetch_add(1, Ordering::SeqCst) + 1;
        sender.send((number, edit)).is_ok()
    }

    /// Stops the writer after the queued edits.
    pub fn stop(&self) {
        if let Ok(mut edits) = self.edits.lock() {
            *edits = None;
        }
    }

    fn snapshot(&self) -> Option<(Database, Workspace)> {
        let compiler = self.compiler.lock().ok()?;
        Some((compiler.database().clone(), compiler.workspace()))
    }

    /// Runs `query` on a snapshot that includes every edit received so far; retried when an
    /// edit cancels it. None when the query panicked or the state is poisoned.
    pub async fn read<T, F>(self: &Arc<Self>, query: F) -> Option<T>
    where
        T: Send + 'static,
        F: Fn(&Analysis<'_>, &Paths) -> T + Send + Sync + 'static,
    {
        let query = Arc::new(query);
        loop {
            let target = self.received.load(Ordering::SeqCst);
            let mut applied = self.applied.subscribe();
            if applied.wait_for(|done| *done >= target).await.is_err() {
                return None;
            }
            let state = self.clone();
            let query = query.clone();
            let outcome = tokio::task::spawn_blocking(move || {
                let (db, ws) = state.snapshot()?;
                let paths = state.paths();
                Some(salsa::Cancelled::catch(AssertUnwindSafe(|| {
                    query(&Analysis::new(&db, ws), &paths)
                })))
            })
            .await;
            match outcome {
                Ok(Some(Ok(value))) => return Some(value),
                // Cancelled by an edit: run again on the new state.
                Ok(Some(Err(_))) => continue,
                Ok(None) | Err(_) => return None,
            }
        }
    }

    fn apply(&self, number: u64, edit: Edit) {
        if let Ok(mut compiler) = self.compiler.lock() {
            match edit {
                Edit::Set { path, text } => compiler.set_source(&path, &text),
                Edit::Remove { path } => compiler.remove_source(&path),
            }
        }
        self.applied.send_replace(number);
    }

    fn write_loop(
        &self,
        receiver: &mpsc::Receiver<(u64, Edit)>,
        client: &Client,
        handle: Option<tokio::runtime::Handle>,
        debounce: Duration,
    ) {
        let mut published: BTreeMap<String, Vec<tower_lsp_server::ls_types::Diagnostic>> =
            BTreeMap::new();
        while let Ok((number, edit)) = receiver.recv() {
            self.apply(number, edit);
            // Debounce: keep applying while edits keep coming.
            loop {
                match receiver.recv_timeout(debounce) {
                    Ok((number, edit)) => self.apply(number, edit),
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
            if let Some(handle) = &handle {
                self.publish(client, handle, &mut published);
            }
        }
    }

    /// Publishes the diagnostics of every policy file whose diagnostics changed.
    fn publish(
        &self,
        client: &Client,
        handle: &tokio::runtime::Handle,
        published: &mut BTreeMap<String, Vec<tower_lsp_server::ls_types::Diagnostic>>,
    ) {
        let paths = self.paths();
        let computed = {
            let Some((db, ws)) = self.snapshot() else {
                return;
            };
            let analysis = Analysis::new(&db, ws);
            let result = salsa::Cancelled::catch(AssertUnwindSafe(|| {
                convert::all_diagnostics(&analysis, &paths)
            }));
            match result {
                Ok(computed) => computed,
                Err(_) => return,
            }
        };
        let mut seen = Vec::new();
        for (path, uri, diagnostics) in computed {
            seen.push(path.clone());
            if published.get(&path) == Some(&diagnostics) {
                continue;
            }
            published.insert(path.clone(), diagnostics.clone());
            let version = self.version(&path);
            handle.block_on(client.publish_diagnostics(uri, diagnostics, version));
        }
        // Files that went away: clear what was published for them.
        let gone: Vec<String> = published
            .keys()
            .filter(|p| !seen.contains(p))
            .cloned()
            .collect();
        for path in gone {
            published.remove(&path);
            if let Some(uri) = paths.uri_of(&path) {
                handle.block_on(client.publish_diagnostics(uri, Vec::new(), None));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::Instant;

    use tower_lsp_server::LspService;

    use super::*;
    use crate::{Backend, Config};

    const BEFORE: &str = "deny root_user\n  when image.config.user == \"root\"\n";
    const AFTER: &str = "deny root_user\n  when image.config.usr == \"root\"\n";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_is_cancelled_by_an_edit_and_retried_on_the_new_text() {
        let (service, _socket) = LspService::new(|client| Backend::new(client, Config::default()));
        let state = service.inner().state.clone();
        assert!(state.edit(Edit::Set {
            path: "a.tg".into(),
            text: BEFORE.into(),
        }));
        let attempts = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicBool::new(false));
        let reader = {
            let state = state.clone();
            let attempts = attempts.clone();
            let started = started.clone();
            tokio::spawn(async move {
                state
                    .read(move |analysis, _| {
                        let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                        if attempt == 1 {
                            started.store(true, Ordering::SeqCst);
                            // Keep querying until the edit cancels this snapshot (salsa
                            // checks for cancellation on every query).
                            let deadline = Instant::now() + Duration::from_secs(10);
                            while Instant::now() < deadline {
                                let _ = analysis.diagnostics("a.tg");
                                std::thread::sleep(Duration::from_millis(1));
                            }
                        }
                        analysis.diagnostics("a.tg")
                    })
                    .await
            })
        };
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(state.edit(Edit::Set {
            path: "a.tg".into(),
            text: AFTER.into(),
        }));
        let diagnostics = reader.await.unwrap().unwrap();
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "cancelled once, then retried"
        );
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["TG0102"], "the retry saw the edit");
        state.stop();
    }
}
