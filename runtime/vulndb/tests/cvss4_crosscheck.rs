//! The CVSS v4.0 score checked against an independent implementation of FIRST's reference
//! algorithm, Red Hat's Python `cvss` package (the library FIRST's calculator test data is
//! generated from), on every v4 vector of the fixture OSV records and on thousands of
//! generated vectors (base metrics, and threat and environmental metrics on half of them).
//! Python runs once over all vectors.
//!
//! Needs `python3` with `pip`: the test installs `cvss` (`python3 -m pip install --target
//! <target tmp>/vulndb-tools/python cvss`, a pure-Python wheel) on first use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tollgate_testkit::{Rng, pip_install_target};
use tollgate_vulndb::cvss::cvss4_score;

const BASE: [(&str, &[&str]); 11] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];

/// Threat and environmental metrics, in the specification's order.
const OPTIONAL: [(&str, &[&str]); 15] = [
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
];

fn generated(count: usize) -> BTreeSet<String> {
    let mut rng = Rng(0x5eed_c555_0004);
    let mut vectors = BTreeSet::new();
    while vectors.len() < count {
        let mut vector = String::from("CVSS:4.0");
        for (metric, values) in BASE {
            vector.push_str(&format!("/{metric}:{}", values[rng.below(values.len())]));
        }
        if rng.below(2) == 0 {
            for (metric, values) in OPTIONAL {
                if rng.below(10) < 3 {
                    vector.push_str(&format!("/{metric}:{}", values[rng.below(values.len())]));
                }
            }
        }
        vectors.insert(vector);
    }
    vectors
}

/// The CVSS v4 vectors of the fixture OSV records (JSON and YAML).
fn fixture_vectors() -> BTreeSet<String> {
    fn walk(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                for (start, _) in text.match_indices("CVSS:4.0/") {
                    let vector: String = text[start..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.'))
                        .collect();
                    found.insert(vector);
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/osv"),
        &mut found,
    );
    found
}

fn python_cvss() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vulndb-tools/python");
    pip_install_target(&dir, &["cvss"]);
    dir
}

/// Python's scores, one line per vector (`none` when it refuses one).
fn python_scores(vectors: &[String]) -> Vec<Option<f64>> {
    let mut child = Command::new("python3")
        .env("PYTHONPATH", python_cvss())
        .args([
            "-c",
            "import sys\nfrom cvss import CVSS4\nout = []\n\
for line in sys.stdin:\n    try:\n        out.append(str(CVSS4(line.strip()).base_score))\n    except Exception:\n        out.append('none')\n\
print('\\n'.join(out))\n",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run python3: {err}"));
    let input = vectors.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let scores: Vec<Option<f64>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.trim().parse().ok())
        .collect();
    assert_eq!(scores.len(), vectors.len());
    scores
}

#[test]
fn cvss4_scores_agree_with_the_reference_algorithm() {
    let fixtures = fixture_vectors();
    assert!(
        fixtures.len() >= 30,
        "the fixtures hold {} v4 vectors",
        fixtures.len()
    );
    let vectors: Vec<String> = fixtures.into_iter().chain(generated(8000)).collect();
    let expected = python_scores(&vectors);
    let mut differ = Vec::new();
    for (vector, expected) in vectors.iter().zip(&expected) {
        let ours = cvss4_score(vector);
        if ours != *expected {
            differ.push(format!("{vector}: cvss {expected:?}, ours {ours:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} differ, first: {:#?}",
        differ.len(),
        vectors.len(),
        &differ[..differ.len().min(10)]
    );
    // Python refuses none of them: every vector was scored by both.
    assert!(expected.iter().all(Option::is_some));
}
