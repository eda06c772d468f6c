//! JUnit XML: one test suite per image, one test case per rule of the policy; a rule with
//! unsuppressed deny findings fails, warn and info findings are recorded as output.

use std::fmt::Write;

use super::{Action, Report};

/// Escapes text for XML attributes and content.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as JUnit XML.
pub fn render_junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total_cases = report.results.len() * report.rules.len();
    let total_failures: usize = report
        .results
        .iter()
        .map(|result| {
            report
                .rules
                .iter()
                .filter(|rule| {
                    result.findings.iter().any(|f| {
                        f.rule == rule.name && f.action == Action::Deny && f.suppressed.is_none()
                    })
                })
                .count()
        })
        .sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"tollgate\" tests=\"{total_cases}\" failures=\"{total_failures}\">"
    );
    for result in &report.results {
        let failing: Vec<&str> = report
            .rules
            .iter()
            .filter(|rule| {
                result.findings.iter().any(|f| {
                    f.rule == rule.name && f.action == Action::Deny && f.suppressed.is_none()
                })
            })
            .map(|rule| rule.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
            xml_escape(&result.image.reference),
            report.rules.len(),
            failing.len()
        );
        for rule in &report.rules {
            let findings: Vec<_> = result
                .findings
                .iter()
                .filter(|f| f.rule == rule.name)
                .collect();
            let (module, name) = rule
                .name
                .rsplit_once('.')
                .unwrap_or(("", rule.name.as_str()));
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(module),
                xml_escape(name)
            );
            if findings.is_empty() {
                let _ = writeln!(out, "/>");
                continue;
            }
            let _ = writeln!(out, ">");
            let denies: Vec<_> = findings
                .iter()
                .filter(|f| f.action == Action::Deny && f.suppressed.is_none())
                .collect();
            if !denies.is_empty() {
                let body: Vec<String> = denies.iter().map(|f| f.message.clone()).collect();
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"deny\">{}</failure>",
                    xml_escape(denies.first().map(|f| f.message.as_str()).unwrap_or("")),
                    xml_escape(&body.join("\n"))
                );
            }
            let others: Vec<String> = findings
                .iter()
                .filter(|f| !(f.action == Action::Deny && f.suppressed.is_none()))
                .map(|f| match &f.suppressed {
                    Some(s) => format!("{} (suppressed: {})", f.message, s.reason),
                    None => format!("{}: {}", f.action.as_str(), f.message),
                })
                .collect();
            if !others.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    xml_escape(&others.join("\n"))
                );
            }
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn deny_fails_warn_is_output() {
        let xml = render_junit(&sample::report());
        assert!(
            xml.contains("<testsuites name=\"tollgate\" tests=\"3\" failures=\"1\">"),
            "{xml}"
        );
        assert!(xml.contains(
            "<testcase classname=\"acme.prod\" name=\"root_user\">\n      <failure message=\"image runs as root\" type=\"deny\">"
        ), "{xml}");
        assert!(
            xml.contains("warn: port 22/tcp is exposed &amp; &lt;reachable&gt;"),
            "{xml}"
        );
        assert!(xml.contains("(suppressed: not reachable)"), "{xml}");
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(xml_escape("a\u{1}b\"<"), "a?b&quot;&lt;");
    }
}
