//! A one-line progress bar on stderr while layers are read, shown only when stderr is a
//! terminal (and the caller asked for it), so piped output never carries it.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// Reads shorter than this show no bar at all.
const GRACE: Duration = Duration::from_millis(300);
const WIDTH: u64 = 30;

/// Starts the bar on a scoped thread when `wanted` and stderr is a terminal; it stops once
/// `finished` is set. `total` is the stored size of all layers (0 when unknown).
pub(crate) fn start<'scope>(
    scope: &'scope Scope<'scope, '_>,
    wanted: bool,
    total: u64,
    done: &'scope AtomicU64,
    finished: &'scope AtomicBool,
) -> Option<ScopedJoinHandle<'scope, ()>> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    Some(scope.spawn(move || {
        let started = Instant::now();
        let mut drawn = false;
        while !finished.load(Ordering::Relaxed) {
            thread::sleep(TICK);
            if started.elapsed() >= GRACE {
                draw(done.load(Ordering::Relaxed), total);
                drawn = true;
            }
        }
        if drawn {
            // Clear the line so the caller's output starts clean.
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }))
}

fn draw(done: u64, total: u64) {
    let line = render(done, total);
    let _ = write!(std::io::stderr(), "\r{line}");
}

/// The bar's text: `reading layers [=====>    ]  12.3 / 45.6 MiB`.
fn render(done: u64, total: u64) -> String {
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    if total == 0 {
        return format!("reading layers {:.1} MiB", mib(done));
    }
    let filled = (done.min(total) * WIDTH / total) as usize;
    let bar = format!(
        "{}>{}",
        "=".repeat(filled),
        " ".repeat(WIDTH as usize - filled.min(WIDTH as usize))
    );
    format!(
        "reading layers [{bar}] {:.1} / {:.1} MiB",
        mib(done),
        mib(total)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fraction() {
        let text = render(512 * 1024, 1024 * 1024);
        assert!(
            text.starts_with("reading layers [===============>"),
            "{text}"
        );
        assert!(text.ends_with("0.5 / 1.0 MiB"), "{text}");
        assert_eq!(render(3 << 20, 0), "reading layers 3.0 MiB");
    }

    #[test]
    fn no_bar_when_not_asked() {
        let done = AtomicU64::new(0);
        let finished = AtomicBool::new(true);
        thread::scope(|scope| assert!(start(scope, false, 10, &done, &finished).is_none()));
    }
}
