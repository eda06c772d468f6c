//! The secret scanner end to end, through `tollgate facts` and `tollgate check`: the clean Debian
//! image has no findings; an image built here with umoci, with synthetic secrets planted in
//! several layers (one deleted by a later layer), yields each with its rule, path, line, layer and
//! presence; and no report format ever shows a secret's value, nor any 8-character piece of it.
//!
//! The secret values are generated at run time from a fixed seed and assembled by concatenation,
//! so this source holds nothing shaped like a credential.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tollgate_e2e::{facts_of, tollgate};
use tollgate_testkit::debian_image;

/// A small deterministic generator (xorshift64): synthetic values, the same on every run.
struct Synthetic(u64);

impl Synthetic {
    fn pick(&mut self, alphabet: &str, count: usize) -> String {
        let alphabet: Vec<char> = alphabet.chars().collect();
        (0..count)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                alphabet[(self.0 % alphabet.len() as u64) as usize]
            })
            .collect()
    }
}

const UPPER_BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALPHANUMERIC: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The planted image and the secret values in it.
struct Planted {
    /// Keeps the image folder alive for the whole test run.
    _dir: tempfile::TempDir,
    layout: PathBuf,
    /// Every value that must never be shown, PEM bodies one line per value.
    values: Vec<String>,
}

fn umoci(args: &[&str]) {
    let output = Command::new("umoci").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "umoci {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write(root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, text).unwrap();
}

/// Builds (once) an OCI layout with four layers:
/// 0. `/etc/app/credentials.env` (AWS access key id, line 3) and `/etc/app/db.conf` (password, line 2);
/// 1. `/root/.ssh/id_rsa` (a PEM RSA private key block, line 1);
/// 2. `/srv/app/deploy.sh` (a GitHub token, line 4);
/// 3. a whiteout of `/srv/app/deploy.sh`: gone from the final filesystem, still in the image.
fn planted() -> &'static Planted {
    static PLANTED: OnceLock<Planted> = OnceLock::new();
    PLANTED.get_or_init(|| {
        let mut random = Synthetic(0x7011_6a7e_5eed_0001);
        let aws_key_id = String::from("AK") + "IA" + &random.pick(UPPER_BASE32, 16);
        let github_token = String::from("gh") + "p_" + &random.pick(ALPHANUMERIC, 36);
        let password = random.pick(ALPHANUMERIC, 18);
        let pem_lines: Vec<String> = (0..4).map(|_| random.pick(BASE64, 64)).collect();
        let pem_label = String::from("RSA PRIV") + "ATE KEY";

        let dir = tempfile::tempdir().unwrap();
        let layout = dir.path().join("oci");
        let image = format!("{}:planted", layout.display());
        umoci(&["init", "--layout", layout.to_str().unwrap()]);
        umoci(&["new", "--image", &image]);

        // One `umoci unpack`/`repack` per layer (not `umoci insert`: umoci 0.4.7 leaves its
        // layers without the tar trailer, opencontainers/umoci#436).
        let bundle = dir.path().join("bundle");
        let layer = |change: &dyn Fn(&Path)| {
            umoci(&["unpack", "--image", &image, bundle.to_str().unwrap()]);
            change(&bundle.join("rootfs"));
            umoci(&["repack", "--image", &image, bundle.to_str().unwrap()]);
            fs::remove_dir_all(&bundle).unwrap();
        };
        layer(&|root| {
            write(
                root,
                "etc/app/credentials.env",
                &format!(
                    "# deploy credentials\nAWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID={aws_key_id}\n"
                ),
            );
            write(
                root,
                "etc/app/db.conf",
                &format!("[database]\npassword = {password}\nhost = db.internal\n"),
            );
        });
        let pem = format!(
            "-----BEGIN {pem_label}-----\n{}\n-----END {pem_label}-----\n",
            pem_lines.join("\n")
        );
        layer(&|root| write(root, "root/.ssh/id_rsa", &pem));
        layer(&|root| {
            write(
                root,
                "srv/app/deploy.sh",
                &format!(
                    "#!/bin/sh\nset -e\n# fetch the release\nGITHUB_PAT={github_token}\necho done\n"
                ),
            );
        });
        layer(&|root| fs::remove_file(root.join("srv/app/deploy.sh")).unwrap());

        let mut values = vec![aws_key_id, github_token, password];
        values.extend(pem_lines);
        Planted {
            _dir: dir,
            layout,
            values,
        }
    })
}

#[test]
fn clean_debian_image_has_no_secret_findings() {
    let facts = facts_of(&debian_image().join("oci"));
    assert!(
        facts["files"].as_array().unwrap().len() > 5000,
        "the whole image was read"
    );
    assert_eq!(
        facts["secrets"],
        serde_json::json!([]),
        "false alarms on a clean OS"
    );
}

#[test]
fn planted_secrets_are_found_with_path_line_layer_and_presence() {
    let facts = facts_of(&planted().layout);
    let found: BTreeSet<(String, String, i64, i64, bool)> = facts["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["rule"].as_str().unwrap().to_string(),
                s["path"].as_str().unwrap().to_string(),
                s["line"].as_i64().unwrap(),
                s["layer"].as_i64().unwrap(),
                s["present"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, i64, i64, bool)> = [
        ("aws-access-key-id", "/etc/app/credentials.env", 3, 0, true),
        ("generic-password", "/etc/app/db.conf", 2, 0, true),
        ("private-key-rsa", "/root/.ssh/id_rsa", 1, 1, true),
        ("github-pat", "/srv/app/deploy.sh", 4, 2, false),
    ]
    .into_iter()
    .map(|(rule, path, line, layer, present)| {
        (rule.to_string(), path.to_string(), line, layer, present)
    })
    .collect();
    assert_eq!(found, expected, "{}", facts["secrets"]);
    assert_eq!(
        facts["secrets"].as_array().unwrap().len(),
        expected.len(),
        "a secret is reported twice"
    );
    // The deleted script is not in the final file table, yet its secret was reported.
    assert!(
        !facts["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "/srv/app/deploy.sh")
    );
    assert_no_secret_value("tollgate facts", &facts.to_string(), &planted().values);
}

/// Fails when `output` holds a secret value or any 8-character piece of one.
fn assert_no_secret_value(what: &str, output: &str, values: &[String]) {
    for value in values {
        let chars: Vec<char> = value.chars().collect();
        for piece in chars.windows(8) {
            let piece: String = piece.iter().collect();
            assert!(
                !output.contains(&piece),
                "{what} shows `{piece}`, a piece of a secret value:\n{output}"
            );
        }
    }
}

#[test]
fn no_report_format_shows_a_secret_value() {
    let planted = planted();
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("leaks.tg");
    fs::write(
        &policy,
        "//! Every secret is a denial, its excerpt in the message.\nmodule e2e.leaks\n\n\
         deny leaked\n    for s in image.secrets\n    message \"{s.rule} in {s.path}:{s.line} {s.excerpt}\"\n",
    )
    .unwrap();
    let image = planted.layout.to_str().unwrap();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let run = tollgate(&[
            "check",
            image,
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(
            run.code, 1,
            "{format}: a denial fails the check: {}",
            run.stderr
        );
        let output = format!("{}\n{}", run.stdout, run.stderr);
        // The findings are there, so their absence of values means something.
        for finding in [
            "aws-access-key-id in /etc/app/credentials.env:3",
            "generic-password in /etc/app/db.conf:2",
            "private-key-rsa in /root/.ssh/id_rsa:1",
            "github-pat in /srv/app/deploy.sh:4",
        ] {
            assert!(
                output.contains(finding),
                "{format}: no `{finding}` in\n{output}"
            );
        }
        assert_no_secret_value(
            &format!("tollgate check --format {format}"),
            &output,
            &planted.values,
        );
    }
}
