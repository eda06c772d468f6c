//! Every ordering on hostile input: random strings of digits, letters, separators, `~`, `^`,
//! `:`, `+`, non-ASCII and control characters never panic, and every comparison is
//! reflexive and antisymmetric (`compare(a, b)` is the reverse of `compare(b, a)`), so sorting
//! by it is deterministic. Validation never panics either.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::cmp::Ordering;

use tollgate_facts::Ecosystem;
use tollgate_versions::{compare, parse_valid};

const PIECES: [&str; 32] = [
    "0",
    "1",
    "9",
    "10",
    "007",
    "99999999999999999999999",
    ".",
    "..",
    "-",
    "--",
    "_",
    "~",
    "^",
    ":",
    "+",
    "!",
    "a",
    "b",
    "rc",
    "alpha",
    "dev",
    "post",
    "r",
    "p",
    "v",
    "V",
    "α",
    "\u{0}",
    " ",
    "-r",
    "_p",
    "SNAPSHOT",
];

#[test]
fn garbage_never_panics_and_orders_consistently() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut versions = vec![String::new()];
    for _ in 0..600 {
        let len = (next() % 8) as usize;
        versions.push(
            (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect(),
        );
    }
    for ecosystem in Ecosystem::ALL {
        for a in &versions {
            assert_eq!(
                compare(*ecosystem, a, a),
                Ordering::Equal,
                "{ecosystem}: `{a:?}` vs itself"
            );
            let _ = parse_valid(*ecosystem, a);
        }
        for pair in versions.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert_eq!(
                compare(*ecosystem, a, b),
                compare(*ecosystem, b, a).reverse(),
                "{ecosystem}: `{a:?}` vs `{b:?}`"
            );
        }
    }
}
