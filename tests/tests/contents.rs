//! File contents for policies, end to end on the real Alpine image: a policy that reads
//! `file(path)` or `f.content`/`f.sha256` gets exactly those files' contents, captured during
//! the single pass because the compiled program demands them; facts carry no content unless
//! asked for.
// reason: test code; a failed unwrap is a failed test with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use tollgate_e2e::{data, repo_root, tollgate};

fn alpine() -> String {
    repo_root()
        .join("examples/alpine-3.11.docker.tar.gz")
        .display()
        .to_string()
}

#[test]
fn a_policy_reads_the_contents_it_demands() {
    let policy = data("policies/contents.tg").display().to_string();
    let run = tollgate(&["check", &alpine(), "--policy", &policy, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let findings: Vec<(&str, &str)> = report["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        findings,
        vec![
            (
                "e2e.contents.alpine_release",
                "release 3.11.5\n sha 6a2fa833d0a5bec973bd8532ff1d945fb47054f348abd0e5b6b9880638f26e13"
            ),
            ("e2e.contents.shells", "ash is a login shell"),
        ],
        "os-release says alpine, so `not_alpine` does not fire"
    );
}

#[test]
fn facts_hold_contents_and_digests_only_when_asked() {
    let file = |facts: &Value, path: &str| -> Value {
        facts["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .cloned()
            .unwrap()
    };
    let plain = tollgate(&["facts", &alpine()]).json();
    let release = file(&plain, "/etc/alpine-release");
    assert!(
        release["content"].is_null() && release["sha256"].is_null(),
        "{release}"
    );

    let asked = tollgate(&[
        "facts",
        &alpine(),
        "--content",
        "/etc/*-release",
        "--hash",
        "/etc/alpine-release",
    ])
    .json();
    let release = file(&asked, "/etc/alpine-release");
    assert_eq!(release["content"], "3.11.5\n");
    assert_eq!(
        release["sha256"],
        "6a2fa833d0a5bec973bd8532ff1d945fb47054f348abd0e5b6b9880638f26e13"
    );
    let passwd = file(&asked, "/etc/passwd");
    assert!(passwd["content"].is_null(), "not demanded: {passwd}");
    let os_release = file(&asked, "/etc/os-release");
    assert!(
        os_release["content"]
            .as_str()
            .unwrap()
            .contains("ID=alpine"),
        "{os_release}"
    );
}
