//! The scanner as its callers use it: policy rules and their errors, disabled rules, allowed
//! paths, the path filters and size cap of `wants`, binaries, line numbers and layers,
//! redaction in every serialised form, bounds on hostile input, and public CA certificates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: integration tests

use tollgate_facts::scan::{FileContent, SecretScanner};
use tollgate_facts::{Secret, Severity};
use tollgate_secrets::{
    CustomRule, MASK, MAX_EXCERPT_CHARS, MAX_FINDINGS_PER_FILE, RuleError, Scanner,
};

/// A synthetic classic GitHub token, assembled so this file holds none.
fn github_token(seed: u64) -> String {
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .collect();
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let body: String = (0..36)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            alphabet[((state >> 33) % alphabet.len() as u64) as usize]
        })
        .collect();
    ["gh", "p_"].concat() + &body
}

fn acme_rule() -> CustomRule {
    CustomRule {
        name: "acme_token".into(),
        regex: r"ACME-[0-9a-f]{32}".into(),
        severity: None,
        category: None,
    }
}

fn file<'a>(path: &'a str, layer: i64, data: &'a [u8]) -> FileContent<'a> {
    FileContent {
        path,
        layer,
        mode: 0o600,
        size: data.len() as u64,
        data,
        truncated: false,
    }
}

#[test]
fn policy_rule_finds_its_pattern_redacted() {
    let mut builder = Scanner::builder();
    builder
        .add_rule(CustomRule {
            severity: Some(Severity::Critical),
            category: Some("acme".into()),
            ..acme_rule()
        })
        .unwrap();
    let scanner = builder.build();
    let value = format!("ACME-{}", "0123456789abcdef".repeat(2));
    let text = format!("# settings\nacme = {value}\n");
    let found = scanner.scan_bytes("/srv/app.conf", text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    let secret = &found[0];
    assert_eq!(
        (
            secret.rule.as_str(),
            secret.category.as_str(),
            secret.severity
        ),
        ("acme_token", "acme", Severity::Critical)
    );
    assert_eq!(secret.line, 2);
    assert_eq!(secret.excerpt, format!("acme = ACME{MASK}"));
}

#[test]
fn policy_rule_with_a_secret_group_masks_only_that_group() {
    let mut builder = Scanner::builder();
    builder
        .add_rule(CustomRule {
            name: "internal".into(),
            regex: r"INTERNAL_KEY=(?P<secret>[a-z]{6,})".into(),
            severity: None,
            category: None,
        })
        .unwrap();
    let found = builder
        .build()
        .scan_bytes("/etc/app.env", b"INTERNAL_KEY=qwzrtplkmn\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].excerpt, "INTERNAL_KEY=*****");
    assert_eq!(found[0].severity, Severity::High);
    assert_eq!(found[0].category, "custom");
}

#[test]
fn bad_policy_rules_are_refused_with_their_name() {
    let mut builder = Scanner::builder();
    let err = builder
        .add_rule(CustomRule {
            name: "broken".into(),
            regex: "ACME-(".into(),
            severity: None,
            category: None,
        })
        .err()
        .unwrap();
    assert!(matches!(&err, RuleError::InvalidRegex { rule, .. } if rule == "broken"));
    assert!(
        err.to_string()
            .starts_with("secret rule `broken` has an invalid regex"),
        "{err}"
    );

    let err = builder
        .add_rule(CustomRule {
            name: "everything".into(),
            regex: "x*".into(),
            severity: None,
            category: None,
        })
        .err()
        .unwrap();
    assert_eq!(
        err,
        RuleError::MatchesEmpty {
            rule: "everything".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "secret rule `everything` matches the empty string"
    );

    let err = builder
        .add_rule(CustomRule {
            name: "github-pat".into(),
            regex: "x".into(),
            severity: None,
            category: None,
        })
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "secret rule `github-pat` is defined twice");
    builder.add_rule(acme_rule()).unwrap();
    assert_eq!(
        builder.add_rule(acme_rule()).err().unwrap(),
        RuleError::Duplicate {
            rule: "acme_token".into()
        }
    );

    let err = builder
        .add_rule(CustomRule {
            name: " ".into(),
            ..acme_rule()
        })
        .err()
        .unwrap();
    assert_eq!(err, RuleError::EmptyName);
    let err = builder.disable("no-such-rule").err().unwrap();
    assert_eq!(err.to_string(), "unknown secret rule `no-such-rule`");
    let err = builder.allow_path("/opt/[").err().unwrap();
    assert!(
        err.to_string().starts_with("invalid allowed path `/opt/[`"),
        "{err}"
    );
}

#[test]
fn disabled_rules_do_not_run() {
    let text = format!("SERVICE_CREDENTIAL={}\n", github_token(1));
    assert_eq!(
        Scanner::builtin().scan_bytes("/app/.env", text.as_bytes())[0].rule,
        "github-pat"
    );
    let mut builder = Scanner::builder();
    builder.disable("github-pat").unwrap();
    let scanner = builder.build();
    assert!(scanner.rules().all(|rule| rule.id != "github-pat"));
    assert!(scanner.scan_bytes("/app/.env", text.as_bytes()).is_empty());
}

#[test]
fn allowed_paths_are_neither_read_nor_scanned() {
    let mut builder = Scanner::builder();
    builder
        .allow_path("/opt/app/testdata/**")
        .unwrap()
        .allow_path("**/*.example")
        .unwrap();
    let scanner = builder.build();
    let text = format!("token: {}\n", github_token(2));
    for path in [
        "/opt/app/testdata/fixtures/creds.yml",
        "/etc/app/config.example",
    ] {
        assert_eq!(scanner.wants(path, 100), None, "{path}");
        assert!(
            scanner.scan(file(path, 0, text.as_bytes())).is_empty(),
            "{path}"
        );
    }
    assert_eq!(scanner.wants("/opt/app/config.yml", 100), Some(100));
    assert_eq!(
        scanner
            .scan_bytes("/opt/app/config.yml", text.as_bytes())
            .len(),
        1
    );
}

#[test]
fn wants_applies_path_filters_and_the_size_cap() {
    let scanner = Scanner::builtin();
    assert_eq!(scanner.wants("/etc/app.conf", 0), None);
    assert_eq!(scanner.wants("/usr/share/doc/git/README.md", 10), None);
    assert_eq!(
        scanner.wants("/usr/share/locale/fr/LC_MESSAGES/git.mo", 10),
        None
    );
    assert_eq!(scanner.wants("/etc/app.conf", 10), Some(10));
    assert_eq!(
        scanner.wants("/var/log/huge.log", u64::MAX),
        Some(tollgate_secrets::DEFAULT_MAX_FILE_SIZE)
    );
    let mut builder = Scanner::builder();
    builder.max_file_size(1024);
    let small = builder.build();
    assert_eq!(small.wants("/var/log/app.log", 1_000_000), Some(1024));
    // Content past the cap is not scanned even when a caller hands it over.
    let mut text = "x\n".repeat(600).into_bytes();
    text.extend(format!("token: {}\n", github_token(3)).bytes());
    assert!(small.scan_bytes("/var/log/app.log", &text).is_empty());
    assert_eq!(scanner.scan_bytes("/var/log/app.log", &text).len(), 1);
}

#[test]
fn binaries_are_skipped() {
    let mut data = b"\x7fELF\x02\x01\x01\x00".to_vec();
    data.extend(github_token(4).bytes());
    assert!(
        Scanner::builtin()
            .scan_bytes("/usr/local/bin/app", &data)
            .is_empty()
    );
}

#[test]
fn findings_carry_path_line_and_layer() {
    let text = format!(
        "# deploy\n\nGH_ONE={}\n\n\n\nGH_TWO={}\r\nend\n",
        github_token(5),
        github_token(6)
    );
    let found = Scanner::builtin().scan(file("/srv/deploy.env", 3, text.as_bytes()));
    let lines: Vec<(i64, i64, &str)> = found
        .iter()
        .map(|s| (s.line, s.layer, s.path.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![(3, 3, "/srv/deploy.env"), (7, 3, "/srv/deploy.env")]
    );
    assert_eq!(found[1].excerpt, format!("GH_TWO=ghp_{MASK}"));
}

#[test]
fn no_value_survives_in_any_serialised_form() {
    let token = github_token(7);
    let password = "Qz7-Lm2x!Vb9Kt4";
    let key_body: String = (0..4)
        .map(|i| {
            format!(
                "{}\n",
                github_token(100 + i)
                    .get(4..)
                    .unwrap()
                    .repeat(2)
                    .get(..64)
                    .unwrap()
            )
        })
        .collect();
    let dashes = "-".repeat(5);
    let text = format!(
        "db_password = \"{password}\"  # again: {password}\nurl = https://svc:{password}@db.internal/x\nGH={token} {token}\n{dashes}BEGIN PRIVATE KEY{dashes}\n{key_body}{dashes}END PRIVATE KEY{dashes}\n"
    );
    let found = Scanner::builtin().scan_bytes("/app/config", text.as_bytes());
    let rules: Vec<&str> = found.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(
        rules,
        vec![
            "generic-password",
            "url-credentials",
            "github-pat",
            "github-pat",
            "private-key-pkcs8"
        ],
        "{found:?}"
    );
    let json = serde_json::to_string(&found).unwrap();
    let debug = format!("{found:?}");
    let mut values = vec![password.to_string(), token.get(4..).unwrap().to_string()];
    values.extend(
        key_body
            .lines()
            .map(|line| line.get(..16).unwrap().to_string()),
    );
    for value in &values {
        assert!(!json.contains(value.as_str()), "{value} in {json}");
        assert!(!debug.contains(value.as_str()), "{value} in {debug}");
    }
    let back: Vec<Secret> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, found);
}

#[test]
fn hostile_files_stay_bounded() {
    // A megabyte-long line: the excerpt is cut around the mask.
    let mut line = "a=1;".repeat(250_000);
    line.push_str(&format!(" GH={} ", github_token(8)));
    line.push_str(&"b=2;".repeat(250_000));
    let found = Scanner::builtin().scan_bytes("/srv/one-line.js", line.as_bytes());
    assert_eq!(found.len(), 1);
    assert!(
        found[0].excerpt.chars().count() <= MAX_EXCERPT_CHARS + 2,
        "{}",
        found[0].excerpt.len()
    );
    assert!(found[0].excerpt.contains("GH=ghp_*****"));
    // Thousands of tokens: the findings per file are capped.
    let many: String = (0..2000)
        .map(|i| format!("T{i}={}\n", github_token(1000 + i)))
        .collect();
    assert_eq!(
        Scanner::builtin()
            .scan_bytes("/srv/tokens.txt", many.as_bytes())
            .len(),
        MAX_FINDINGS_PER_FILE
    );
}

#[test]
fn one_scanner_serves_many_threads() {
    let scanner = Scanner::builtin();
    let dynamic: &dyn SecretScanner = &scanner;
    let texts: Vec<String> = (0..8)
        .map(|i| format!("line\nTOKEN_{i}={}\n", github_token(200 + i)))
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                scope.spawn(move || dynamic.scan(file("/srv/env", i as i64, text.as_bytes())))
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let found = handle.join().unwrap();
            assert_eq!(found.len(), 1);
            assert_eq!((found[0].layer, found[0].line), (i as i64, 2));
        }
    });
}

/// Debian's CA certificates (the `ca-certificates` package) are public: no finding.
#[test]
fn public_ca_certificates_are_not_private_keys() {
    let scanner = Scanner::builtin();
    let mut certificates = 0;
    let mut pending = vec![
        std::path::PathBuf::from("/usr/share/ca-certificates"),
        "/etc/ssl/certs".into(),
    ];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("the ca-certificates package must be installed")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let inside = path.to_string_lossy().to_string();
            let Some(limit) = scanner.wants(&inside, entry.metadata().unwrap().len()) else {
                continue;
            };
            let data = std::fs::read(&path).unwrap();
            let data = &data[..data.len().min(limit as usize)];
            certificates += data
                .windows(17)
                .filter(|w| w == b"BEGIN CERTIFICATE")
                .count();
            let found = scanner.scan(file(&inside, 0, data));
            assert!(found.is_empty(), "{inside}: {found:?}");
        }
    }
    assert!(
        certificates > 100,
        "only {certificates} certificates scanned"
    );
}

/// `docs/secrets.md` lists every built-in rule (regenerate the table with
/// `cargo run -p tollgate-secrets --example rules_table`).
#[test]
fn docs_list_every_builtin_rule() {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/secrets.md"
    ))
    .unwrap();
    let scanner = Scanner::builtin();
    let missing: Vec<&str> = scanner
        .rules()
        .map(|rule| rule.id.as_str())
        .filter(|id| !docs.contains(&format!("| `{id}` |")))
        .collect();
    assert!(missing.is_empty(), "docs/secrets.md misses {missing:?}");
    assert!(docs.contains(&format!(
        "{} rules, written for Tollgate",
        scanner.rules().count()
    )));
}

/// Code that handles credentials is not a credential: lines shaped like those of Perl, Vim,
/// Python and JavaScript libraries and documentation found on real systems.
#[test]
fn code_handling_credentials_is_not_reported() {
    let code = [
        "        self.key_password = key_password",
        "            username, password = index_url_user_password",
        "    password: Optional[str] = None,",
        "        self, data: bytes, password: typing.Optional[bytes]",
        r#"    $PASSWORD = $self->{password} || "";"#,
        "\tlet pwd = a:dict.istemp ? a:dict.tmpdir : ''",
        "  let s:netrw_passwd = s:netrw_hup[host].passwd",
        "#password_encryption = scram-sha-256\t# scram-sha-256 or md5",
        "# com.sun.management.jmxremote.password.toHashes = true|false",
        "const passwordPrompt = 'npm password: '",
        r#"    AttributeOID.CHALLENGE_PASSWORD: "challengePassword","#,
        "        refresh_token=self.issue_new_refresh_tokens)",
        "const options = new URL('https://abc:xyz@example.com');",
        "const password = 'Password1';",
        "secret=1",
        "PASSWORD=${DB_PASSWORD:-}",
        "password: \"{{ lookup('env', 'DB_PASSWORD') }}\"",
        "db.password=%(db_password)s",
    ];
    let scanner = Scanner::builtin();
    for line in code {
        let found = scanner.scan_bytes("/usr/lib/app/module.py", format!("{line}\n").as_bytes());
        assert!(found.is_empty(), "{line:?} reported: {found:?}");
    }
    // The same shapes with real values are reported.
    for line in [
        "password: \"Xk9#mQ2vL7pz\"",
        "DB_PASSWORD=Xk9mQ2vL7pz4",
        "  \"password\": \"Xk9#mQ2vL7pz\",",
    ] {
        let found = scanner.scan_bytes("/srv/app/config", format!("{line}\n").as_bytes());
        assert_eq!(found.len(), 1, "{line:?}: {found:?}");
        assert_eq!(found[0].rule, "generic-password");
        assert!(!found[0].excerpt.contains("Xk9"), "{}", found[0].excerpt);
    }
}

/// A policy regex without a literal prefix runs on every file; a case-insensitive one
/// matches whatever the case, prefilter or not.
#[test]
fn policy_rules_without_a_prefix_or_with_case_folding() {
    let mut builder = Scanner::builder();
    builder
        .add_rule(CustomRule {
            name: "hex40".into(),
            regex: r"\b[0-9a-f]{40}\b".into(),
            severity: None,
            category: None,
        })
        .unwrap()
        .add_rule(CustomRule {
            name: "acme_ci".into(),
            regex: r"(?i)acme_key=[0-9]{12}".into(),
            severity: None,
            category: None,
        })
        .unwrap();
    let scanner = builder.build();
    let hex = scanner.rules().find(|rule| rule.id == "hex40").unwrap();
    assert!(hex.keywords.is_empty());
    let folded = scanner.rules().find(|rule| rule.id == "acme_ci").unwrap();
    // Unicode case folding adds `acme_\u{212a}` (the Kelvin sign folds to `k`).
    assert!(
        folded.keywords.contains(&"acme_k".to_string()),
        "{:?}",
        folded.keywords
    );
    assert!(
        folded
            .keywords
            .iter()
            .all(|keyword| keyword.starts_with("acme_")),
        "{:?}",
        folded.keywords
    );
    let text = format!(
        "commit {}\nAcMe_KeY=123456789012\n",
        "0123456789abcdef0123456789abcdef01234567"
    );
    let rules: Vec<String> = scanner
        .scan_bytes("/srv/notes", text.as_bytes())
        .into_iter()
        .map(|s| s.rule)
        .collect();
    assert_eq!(rules, vec!["hex40".to_string(), "acme_ci".to_string()]);
}
