//! The human report: findings grouped by rule, a summary line per image, colour only when
//! writing to a terminal.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Action, Finding, Report, Verdict};

/// ANSI styling, or none.
struct Style {
    colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn action(&self, action: Action) -> String {
        match action {
            Action::Deny => self.paint("1;31", "deny"),
            Action::Warn => self.paint("1;33", "warn"),
            Action::Info => self.paint("1;36", "info"),
        }
    }

    fn verdict(&self, verdict: Verdict) -> String {
        match verdict {
            Verdict::Fail => self.paint("1;31", "FAIL"),
            Verdict::Warn => self.paint("1;33", "WARN"),
            Verdict::Pass => self.paint("1;32", "PASS"),
        }
    }
}

/// Renders `report` for a person; `colour` when standard output is a terminal.
pub fn render_human(report: &Report, colour: bool) -> String {
    let style = Style { colour };
    let mut out = String::new();
    for result in &report.results {
        let _ = writeln!(
            out,
            "{} {}{}",
            style.verdict(result.verdict),
            result.image.reference,
            if result.image.digest.is_empty() {
                String::new()
            } else {
                style.paint("2", &format!(" ({})", short_digest(&result.image.digest)))
            }
        );
        let mut by_rule: BTreeMap<(std::cmp::Reverse<Action>, &str), Vec<&Finding>> =
            BTreeMap::new();
        for finding in &result.findings {
            by_rule
                .entry((std::cmp::Reverse(finding.action), finding.rule.as_str()))
                .or_default()
                .push(finding);
        }
        for ((action, rule), findings) in &by_rule {
            let id = findings
                .first()
                .and_then(|f| f.id.as_deref())
                .map(|id| format!(" [{id}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}{} ({} finding{})",
                style.action(action.0),
                style.paint("1", rule),
                id,
                findings.len(),
                if findings.len() == 1 { "" } else { "s" }
            );
            for finding in findings {
                let mut line = format!("    - {}", finding.message);
                if let Some(location) = location_text(finding) {
                    line.push_str(&style.paint("2", &format!("  at {location}")));
                }
                if let Some(suppressed) = &finding.suppressed {
                    let until = suppressed
                        .until
                        .as_deref()
                        .map(|u| format!(" until {u}"))
                        .unwrap_or_default();
                    line.push_str(&style.paint(
                        "2",
                        &format!("  (suppressed: {}{until})", suppressed.reason),
                    ));
                }
                let _ = writeln!(out, "{line}");
            }
            if let Some(remediation) = findings.first().and_then(|f| f.remediation.as_deref()) {
                let _ = writeln!(out, "    {} {remediation}", style.paint("2", "fix:"));
            }
        }
        let summary = &result.summary;
        let _ = writeln!(
            out,
            "  {} deny, {} warn, {} info, {} suppressed\n",
            summary.deny, summary.warn, summary.info, summary.suppressed
        );
    }
    if let Some(timings) = &report.timings {
        let _ = writeln!(
            out,
            "timings: compile {:.1} ms, read {:.1} ms, match {:.1} ms, evaluate {:.1} ms, total {:.1} ms",
            timings.compile_ms,
            timings.read_ms,
            timings.match_ms,
            timings.evaluate_ms,
            timings.total_ms
        );
    }
    let _ = writeln!(out, "verdict: {}", style.verdict(report.verdict));
    out
}

fn short_digest(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

fn location_text(finding: &Finding) -> Option<String> {
    let location = &finding.location;
    let mut parts = Vec::new();
    if let Some(path) = &location.path {
        match location.line {
            Some(line) => parts.push(format!("{path}:{line}")),
            None => parts.push(path.clone()),
        }
    }
    if let Some(layer) = &location.layer {
        parts.push(format!("layer {}", short_digest(layer)));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn groups_by_rule_without_colour_when_piped() {
        let text = render_human(&sample::report(), false);
        assert!(!text.contains('\x1b'), "{text}");
        assert!(
            text.starts_with("FAIL shop/api:1.4.2 (sha256:1234)\n"),
            "{text}"
        );
        assert!(
            text.contains("  deny acme.prod.root_user [ACME-001] (1 finding)\n"),
            "{text}"
        );
        assert!(
            text.contains("    - image runs as root  at /etc/passwd:1\n"),
            "{text}"
        );
        assert!(
            text.contains("(suppressed: not reachable until 2027-01-31)"),
            "{text}"
        );
        assert!(
            text.contains("  1 deny, 1 warn, 0 info, 1 suppressed"),
            "{text}"
        );
        assert!(text.ends_with("verdict: FAIL\n"), "{text}");
        // deny rules come before warn rules
        let deny = text.find("deny acme.prod.root_user").unwrap();
        let warn = text.find("warn acme.prod.unexpected_ports").unwrap();
        assert!(deny < warn);
    }

    #[test]
    fn colour_on_a_terminal() {
        let text = render_human(&sample::report(), true);
        assert!(text.contains("\x1b[1;31mFAIL\x1b[0m"), "{text}");
    }
}
