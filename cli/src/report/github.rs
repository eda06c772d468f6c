//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! unsuppressed finding.

use std::fmt::Write;

use super::{Action, Report};

/// Renders annotations that GitHub Actions shows on the run.
pub fn render_github(report: &Report) -> String {
    let mut out = String::new();
    for (result, finding) in report.all_findings() {
        if finding.suppressed.is_some() {
            continue;
        }
        let command = match finding.action {
            Action::Deny => "error",
            Action::Warn => "warning",
            Action::Info => "notice",
        };
        let title = match &finding.id {
            Some(id) => format!("{} ({id})", finding.rule),
            None => finding.rule.clone(),
        };
        let mut message = format!("{}: {}", result.image.reference, finding.message);
        if let Some(path) = &finding.location.path {
            message.push_str(&format!(" [{path}"));
            if let Some(line) = finding.location.line {
                message.push_str(&format!(":{line}"));
            }
            message.push(']');
        }
        let _ = writeln!(
            out,
            "::{command} title={}::{}",
            escape_property(&title),
            escape_data(&message)
        );
    }
    let _ = writeln!(
        out,
        "::notice title=tollgate::verdict {}",
        report.verdict.as_str()
    );
    out
}

/// Escapes a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn one_annotation_per_unsuppressed_finding() {
        let text = render_github(&sample::report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                "::error title=acme.prod.root_user (ACME-001)::shop/api:1.4.2: image runs as root [/etc/passwd:1]",
                "::warning title=acme.prod.unexpected_ports::shop/api:1.4.2: port 22/tcp is exposed & <reachable>",
                "::notice title=tollgate::verdict fail",
            ]
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
