//! The check report: one model, rendered in every format CI systems read.
//!
//! The JSON form is a contract (DESIGN §5): fields may be added, never change meaning.
//! Every renderer takes the same [`Report`]; none of them sees a secret's value, because the
//! facts never hold one (the scanner redacts before anything is stored).

mod github;
mod human;
mod junit;
mod sarif;

use serde::Serialize;

pub use github::render_github;
pub use human::render_human;
pub use junit::{render_junit, xml_escape};
pub use sarif::render_sarif;

/// The verdict of one image or of the whole run, and what a rule does when it fires: the VM's
/// and the bytecode's own types, so the report and the evaluation cannot disagree.
pub use tollgate_bytecode::Action;
pub use tollgate_vm::Verdict;

/// The whole report of one `tollgate check` run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub tollgate: String,
    pub verdict: Verdict,
    pub results: Vec<ImageResult>,
    /// The rules of the policy, for formats that describe them (SARIF).
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
}

/// Metadata of one rule of the evaluated policy.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub name: String,
    pub id: Option<String>,
    pub action: Action,
    pub doc: String,
    pub remediation: Option<String>,
    pub tags: Vec<String>,
}

/// Durations of the phases of a run, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub compile_ms: f64,
    pub read_ms: f64,
    pub match_ms: f64,
    pub evaluate_ms: f64,
    pub total_ms: f64,
}

/// The result for one image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageResult {
    pub image: ImageIdentity,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageIdentity {
    pub reference: String,
    pub digest: String,
}

/// One finding: a binding that satisfied a rule.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub id: Option<String>,
    pub action: Action,
    pub message: String,
    pub location: Location,
    pub suppressed: Option<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Where a finding points; each field present where it applies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<i64>,
}

/// The exception that suppressed a finding.
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    pub exception: String,
    pub reason: String,
    pub until: Option<String>,
}

/// Counts of unsuppressed findings per action, and of suppressed ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub deny: usize,
    pub warn: usize,
    pub info: usize,
    pub suppressed: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            if finding.suppressed.is_some() {
                summary.suppressed += 1;
                continue;
            }
            match finding.action {
                Action::Deny => summary.deny += 1,
                Action::Warn => summary.warn += 1,
                Action::Info => summary.info += 1,
            }
        }
        summary
    }

    /// DESIGN §1: fail if any unsuppressed deny, else warn if any warn, else pass.
    pub fn verdict(&self) -> Verdict {
        if self.deny > 0 {
            Verdict::Fail
        } else if self.warn > 0 {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }
}

impl Report {
    /// Renders the report as the JSON contract.
    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    }

    /// Findings of every image, with the image they belong to.
    pub fn all_findings(&self) -> impl Iterator<Item = (&ImageResult, &Finding)> {
        self.results
            .iter()
            .flat_map(|result| result.findings.iter().map(move |f| (result, f)))
    }
}

#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    /// A report with one finding of each kind, for the renderers' tests.
    pub fn report() -> Report {
        let findings = vec![
            Finding {
                rule: "acme.prod.root_user".into(),
                id: Some("ACME-001".into()),
                action: Action::Deny,
                message: "image runs as root".into(),
                location: Location {
                    path: Some("/etc/passwd".into()),
                    line: Some(1),
                    ..Location::default()
                },
                suppressed: None,
                remediation: Some("Set `USER` to a non-root user.".into()),
                tags: vec!["cis".into()],
            },
            Finding {
                rule: "acme.prod.unexpected_ports".into(),
                id: None,
                action: Action::Warn,
                message: "port 22/tcp is exposed & <reachable>".into(),
                location: Location::default(),
                suppressed: None,
                remediation: None,
                tags: vec![],
            },
            Finding {
                rule: "acme.prod.fixable_vulns".into(),
                id: Some("ACME-VULN-001".into()),
                action: Action::Deny,
                message: "CVE-2024-12345 (critical) in openssl".into(),
                location: Location {
                    layer: Some("sha256:abc".into()),
                    ..Location::default()
                },
                suppressed: Some(Suppression {
                    exception: "acme.prod.except#1".into(),
                    reason: "not reachable".into(),
                    until: Some("2027-01-31".into()),
                }),
                remediation: None,
                tags: vec![],
            },
        ];
        let summary = Summary::of(&findings);
        Report {
            tollgate: "0.1.0".into(),
            verdict: summary.verdict(),
            results: vec![ImageResult {
                image: ImageIdentity {
                    reference: "shop/api:1.4.2".into(),
                    digest: "sha256:1234".into(),
                },
                verdict: summary.verdict(),
                findings,
                summary,
            }],
            rules: vec![
                RuleInfo {
                    name: "acme.prod.root_user".into(),
                    id: Some("ACME-001".into()),
                    action: Action::Deny,
                    doc: "Containers must not run as root.".into(),
                    remediation: Some("Set `USER` to a non-root user.".into()),
                    tags: vec!["cis".into()],
                },
                RuleInfo {
                    name: "acme.prod.unexpected_ports".into(),
                    id: None,
                    action: Action::Warn,
                    doc: String::new(),
                    remediation: None,
                    tags: vec![],
                },
                RuleInfo {
                    name: "acme.prod.fixable_vulns".into(),
                    id: Some("ACME-VULN-001".into()),
                    action: Action::Deny,
                    doc: "Fixable vulnerabilities must be patched.".into(),
                    remediation: None,
                    tags: vec![],
                },
            ],
            timings: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_and_verdict_follow_design() {
        let report = sample::report();
        let result = &report.results[0];
        assert_eq!(
            result.summary,
            Summary {
                deny: 1,
                warn: 1,
                info: 0,
                suppressed: 1
            }
        );
        assert_eq!(result.verdict, Verdict::Fail);
        let only_warn = Summary {
            deny: 0,
            warn: 2,
            info: 1,
            suppressed: 3,
        };
        assert_eq!(only_warn.verdict(), Verdict::Warn);
        assert_eq!(Summary::default().verdict(), Verdict::Pass);
    }

    #[test]
    fn json_has_the_contract_fields() {
        let value: serde_json::Value =
            serde_json::from_str(&sample::report().render_json()).unwrap();
        assert_eq!(value["tollgate"], "0.1.0");
        assert_eq!(value["verdict"], "fail");
        let finding = &value["results"][0]["findings"][0];
        assert_eq!(finding["rule"], "acme.prod.root_user");
        assert_eq!(finding["id"], "ACME-001");
        assert_eq!(finding["action"], "deny");
        assert_eq!(finding["location"]["path"], "/etc/passwd");
        assert_eq!(finding["location"]["line"], 1);
        assert!(finding["suppressed"].is_null());
        let suppressed = &value["results"][0]["findings"][2]["suppressed"];
        assert_eq!(suppressed["reason"], "not reachable");
        assert_eq!(suppressed["until"], "2027-01-31");
        assert_eq!(value["results"][0]["summary"]["suppressed"], 1);
        assert!(value.get("timings").is_none());
    }
}
