//! Thousands of generated version pairs checked against each ecosystem's own implementation:
//! dpkg's (`Dpkg::Version`, the Perl module dpkg ships, and `dpkg --compare-versions` on a
//! sample), rpm's (`rpm.labelCompare` from Debian's `python3-rpm`), Python's `packaging`
//! and npm's `semver`. Each tool runs once per test over all pairs, not once per pair.
//!
//! Needs: Debian `dpkg`, `libdpkg-perl`, `python3-rpm` (in .ci/apt-packages); `python3` with
//! `pip` and `node` with `npm`: the tests install `packaging` and `semver` into a temporary
//! folder under the target directory on first use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code; a failed assertion is the report.

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tollgate_facts::Ecosystem;
use tollgate_testkit::{Rng, pip_install_target};
use tollgate_versions::{compare, parse_valid};

/// Pairs where half of the second versions are small edits of the first, so that many
/// pairs are close (equal prefixes) rather than trivially ordered by the first number.
fn pairs(
    count: usize,
    seed: u64,
    mut make: impl FnMut(&mut Rng) -> String,
    mut tweak: impl FnMut(&mut Rng, &str) -> String,
) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|_| {
            let a = make(&mut rng);
            let b = if rng.chance(50) {
                tweak(&mut rng, &a)
            } else {
                make(&mut rng)
            };
            (a, b)
        })
        .collect()
}

/// Runs `program` once with all pairs on stdin (`a<TAB>b` lines) and reads one answer per
/// line back: an integer (negative, zero or positive), or `nan` when the tool refuses one of
/// the two versions as invalid.
fn run_tool(mut command: Command, pairs: &[(String, String)]) -> Vec<Option<Ordering>> {
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {description}: {err}"));
    let mut input = String::new();
    for (a, b) in pairs {
        input.push_str(a);
        input.push('\t');
        input.push_str(b);
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    assert!(
        output.status.success(),
        "{description} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    written.unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let results: Vec<Option<Ordering>> = text
        .lines()
        .map(|line| line.trim().parse::<i64>().ok().map(|number| number.cmp(&0)))
        .collect();
    assert_eq!(
        results.len(),
        pairs.len(),
        "{description} answered {} of {} pairs",
        results.len(),
        pairs.len()
    );
    results
}

fn assert_agrees(
    ecosystem: Ecosystem,
    tool: &str,
    pairs: &[(String, String)],
    expected: &[Option<Ordering>],
) {
    let mut disagreements = Vec::new();
    let mut checked = Vec::new();
    for ((a, b), expected) in pairs.iter().zip(expected) {
        let Some(expected) = expected else { continue };
        let ours = compare(ecosystem, a, b);
        if ours != *expected {
            disagreements.push(format!(
                "`{a}` vs `{b}`: {tool} says {expected:?}, we say {ours:?}"
            ));
        }
        checked.push(*expected);
    }
    let shown: Vec<&String> = disagreements.iter().take(30).collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs disagree with {tool}:\n{shown:#?}",
        disagreements.len(),
        checked.len()
    );
    // Most generated pairs must be valid, and every outcome must occur, or the check proves little.
    assert!(
        checked.len() * 10 >= pairs.len() * 8,
        "{tool} refused {} of {} pairs",
        pairs.len() - checked.len(),
        pairs.len()
    );
    for outcome in [Ordering::Less, Ordering::Equal, Ordering::Greater] {
        assert!(
            checked.iter().filter(|o| **o == outcome).count() * 100 >= checked.len(),
            "too few {outcome:?} pairs for {tool}"
        );
    }
}

/// A folder under the target directory for the tools the tests install.
fn tools_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("versions-tools")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ensure_installed(marker: &Path, mut install: Command) {
    if marker.exists() {
        return;
    }
    let description = format!("{install:?}");
    let output = install
        .output()
        .unwrap_or_else(|err| panic!("cannot run {description}: {err}"));
    assert!(
        output.status.success(),
        "{description} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        marker.exists(),
        "{description} did not install {}",
        marker.display()
    );
}

fn dpkg_version(rng: &mut Rng) -> String {
    let mut text = String::new();
    if rng.chance(20) {
        text.push_str(rng.pick(&["0:", "1:", "2:", "10:"]));
    }
    text.push_str(rng.pick(&["0", "1", "2", "9", "10", "01"]));
    for _ in 0..rng.below(5) {
        text.push_str(rng.pick(&[
            ".", ".", "+", "~", "~~", "a", "b", "z", "rc", "~rc", "+dfsg", "0", "1", "2", "10",
            "00", "+git", ".1", "A",
        ]));
    }
    if rng.chance(70) {
        text.push('-');
        text.push_str(rng.pick(&[
            "0", "1", "2", "10", "1ubuntu1", "1+deb9u1", "1~deb9u1", "1+b1", "a", "1.1", "0~",
            "3build2",
        ]));
    }
    text
}

fn dpkg_tweak(rng: &mut Rng, a: &str) -> String {
    let cut = rng.below(a.len() + 1);
    let cut = (0..=cut)
        .rev()
        .find(|i| a.is_char_boundary(*i))
        .unwrap_or(0);
    let mut text = a[..cut].to_string();
    text.push_str(rng.pick(&["", "~", "1", ".0", "+1", "a", "-1", "~1", "0", "-0"]));
    if !text.starts_with(|c: char| c.is_ascii_digit()) || text.ends_with(':') || text.ends_with('-')
    {
        return a.to_string();
    }
    // Keep dpkg's syntax: a colon only in the epoch.
    if text.matches(':').count() > 1 {
        a.to_string()
    } else {
        text
    }
}

#[test]
fn dpkg_agrees_with_dpkg() {
    let pairs = pairs(4000, 0x5eed_0001, dpkg_version, dpkg_tweak);
    let mut perl = Command::new("perl");
    perl.args([
        "-MDpkg::Version=version_compare",
        "-ne",
        "chomp; my ($a, $b) = split /\\t/; \
         my $ok = Dpkg::Version->new($a)->is_valid && Dpkg::Version->new($b)->is_valid; \
         print $ok ? version_compare($a, $b) : 'nan', \"\\n\";",
    ]);
    let expected = run_tool(perl, &pairs);
    assert_agrees(Ecosystem::Deb, "Dpkg::Version", &pairs, &expected);

    // And a sample through the dpkg binary itself, in one shell process.
    let sample = &pairs[..200];
    let mut shell = Command::new("sh");
    shell.args([
        "-c",
        "while IFS=\"$(printf '\\t')\" read -r a b; do \
           if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; \
           elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done",
    ]);
    let expected = run_tool(shell, sample);
    assert_agrees(Ecosystem::Deb, "dpkg --compare-versions", sample, &expected);
}

fn rpm_part(rng: &mut Rng) -> String {
    let mut text = rng.pick(&["0", "1", "2", "10", "01", "a", "1"]).to_string();
    for _ in 0..rng.below(5) {
        text.push_str(rng.pick(&[
            ".", ".", "_", "+", "~", "^", "a", "b", "rc", "git", "0", "1", "2", "10", "001", "el9",
            ".el9_0", ".alma", "p1",
        ]));
    }
    text
}

fn rpm_label(rng: &mut Rng) -> String {
    let epoch = rng.pick(&["", "", "", "0:", "1:", "2:"]);
    format!("{epoch}{}-{}", rpm_part(rng), rpm_part(rng))
}

fn rpm_tweak(rng: &mut Rng, a: &str) -> String {
    let (head, release) = a.rsplit_once('-').unwrap();
    match rng.below(4) {
        0 => format!(
            "{head}-{release}{}",
            rng.pick(&["", "~1", "^1", ".1", "a", "0"])
        ),
        1 => format!(
            "{head}{}-{release}",
            rng.pick(&["", "~rc1", "^git1", ".0", "b", "1"])
        ),
        2 => format!("{head}-{}", rpm_part(rng)),
        _ => format!(
            "{}{head}-{release}",
            if head.contains(':') {
                ""
            } else {
                rng.pick(&["0:", "1:", ""])
            }
        ),
    }
}

#[test]
fn rpm_agrees_with_rpm_label_compare() {
    let pairs = pairs(4000, 0x5eed_0002, rpm_label, rpm_tweak);
    let mut python = Command::new("/usr/bin/python3");
    python.args([
        "-c",
        "import sys, rpm\n\
def evr(text):\n    epoch, _, rest = text.rpartition(':')\n    version, _, release = rest.rpartition('-')\n    return (epoch or '0', version, release)\n\
out = []\n\
for line in sys.stdin:\n    a, b = line.rstrip('\\n').split('\\t')\n    out.append(str(rpm.labelCompare(evr(a), evr(b))))\n\
print('\\n'.join(out))\n",
    ]);
    let expected = run_tool(python, &pairs);
    assert_agrees(Ecosystem::Rpm, "rpm.labelCompare", &pairs, &expected);
}

fn pep440_version(rng: &mut Rng) -> String {
    let mut text = String::new();
    if rng.chance(10) {
        text.push_str(rng.pick(&["1!", "0!", "2!"]));
    }
    if rng.chance(5) {
        text.insert(0, 'v');
    }
    text.push_str(rng.pick(&["0", "1", "2", "10", "01"]));
    for _ in 0..rng.below(4) {
        text.push('.');
        text.push_str(rng.pick(&["0", "1", "2", "10", "00"]));
    }
    if rng.chance(40) {
        text.push_str(rng.pick(&[
            "a", "b", "rc", "c", "alpha", "beta", "pre", "preview", ".a", "-rc", "_b", "A", "RC",
        ]));
        text.push_str(rng.pick(&["", "0", "1", "2", "10", ".1", "-2"]));
    }
    if rng.chance(30) {
        text.push_str(rng.pick(&[".post", "post", "-post", ".rev", "r", "-"]));
        text.push_str(rng.pick(&["0", "1", "2", "10"]));
    }
    if rng.chance(30) {
        text.push_str(rng.pick(&[".dev", "dev", "-dev", "_dev", ".DEV"]));
        text.push_str(rng.pick(&["", "0", "1", "5"]));
    }
    if rng.chance(15) {
        text.push('+');
        text.push_str(rng.pick(&["local", "1", "ubuntu.1", "abc.5", "0.a", "a-b_c", "2"]));
    }
    text
}

fn pep440_tweak(rng: &mut Rng, a: &str) -> String {
    format!(
        "{a}{}",
        rng.pick(&["", ".0", ".dev0", "a1", ".post1", "+x", "0", ".1", "rc1"])
    )
    .replace("++", "+")
}

fn python_packages() -> PathBuf {
    let dir = tools_dir("python");
    pip_install_target(&dir, &["packaging"]);
    dir
}

#[test]
fn pep440_agrees_with_packaging() {
    let pairs: Vec<(String, String)> = pairs(5000, 0x5eed_0003, pep440_version, pep440_tweak)
        .into_iter()
        .filter(|(a, b)| !a.contains("++") && !b.contains("++"))
        .collect();
    let mut python = Command::new("python3");
    python.env("PYTHONPATH", python_packages()).args([
        "-c",
        "import sys\nfrom packaging.version import InvalidVersion, Version\n\
out = []\n\
for line in sys.stdin:\n    try:\n        a, b = map(Version, line.rstrip('\\n').split('\\t'))\n    except InvalidVersion:\n        out.append('nan')\n        continue\n    out.append('-1' if a < b else '0' if a == b else '1')\n\
print('\\n'.join(out))\n",
    ]);
    let expected = run_tool(python, &pairs);
    assert_agrees(Ecosystem::Python, "packaging", &pairs, &expected);
    // Validation agrees with packaging's too: a refused pair holds a version we refuse.
    for ((a, b), expected) in pairs.iter().zip(&expected) {
        let ours_valid =
            parse_valid(Ecosystem::Python, a).is_ok() && parse_valid(Ecosystem::Python, b).is_ok();
        assert_eq!(ours_valid, expected.is_some(), "validity of `{a}` / `{b}`");
    }
}

fn semver_version(rng: &mut Rng) -> String {
    let mut text = format!(
        "{}.{}.{}",
        rng.pick(&["0", "1", "2", "10"]),
        rng.pick(&["0", "1", "2", "10"]),
        rng.pick(&["0", "1", "2", "11"])
    );
    if rng.chance(50) {
        text.push('-');
        let count = 1 + rng.below(3);
        let ids: Vec<&str> = (0..count)
            .map(|_| {
                rng.pick(&[
                    "alpha",
                    "beta",
                    "rc",
                    "0",
                    "1",
                    "2",
                    "11",
                    "x-y",
                    "A",
                    "alpha1",
                    "20191109021931",
                    "daa7c04131f5",
                ])
            })
            .collect();
        text.push_str(&ids.join("."));
    }
    if rng.chance(15) {
        text.push_str(rng.pick(&["+build", "+incompatible", "+1.2"]));
    }
    text
}

fn semver_tweak(rng: &mut Rng, a: &str) -> String {
    let base = a.split('+').next().unwrap();
    match rng.below(4) {
        0 => format!(
            "{base}{}",
            if base.contains('-') {
                rng.pick(&[".1", ".alpha", ".0", "", "+other"])
            } else {
                rng.pick(&["-0", "-alpha", "+meta", ""])
            }
        ),
        1 => base.split('-').next().unwrap().to_string(),
        2 => base.to_string(),
        _ => semver_version(rng),
    }
}

#[test]
fn semver_agrees_with_npm_semver() {
    let dir = tools_dir("npm");
    let mut npm = Command::new("npm");
    npm.args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg("semver");
    ensure_installed(&dir.join("node_modules/semver/package.json"), npm);
    let pairs = pairs(4000, 0x5eed_0004, semver_version, semver_tweak);
    let mut node = Command::new("node");
    node.env("NODE_PATH", dir.join("node_modules")).args([
        "-e",
        "const semver = require('semver'); let data = ''; \
         process.stdin.on('data', c => data += c); \
         process.stdin.on('end', () => { const out = []; \
           for (const line of data.split('\\n')) { if (!line) continue; const [a, b] = line.split('\\t'); out.push(semver.compare(a, b)); } \
           process.stdout.write(out.join('\\n') + '\\n'); });",
    ]);
    let expected = run_tool(node, &pairs);
    for ecosystem in [Ecosystem::Npm, Ecosystem::Cargo, Ecosystem::Go] {
        assert_agrees(ecosystem, "npm semver", &pairs, &expected);
    }
}
