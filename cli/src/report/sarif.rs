//! SARIF 2.1.0: the policy's rules in `tool.driver.rules` with their help, one result per
//! finding, suppressed findings carrying an accepted external suppression.

use serde_json::{Value, json};

use super::{Action, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(action: Action) -> &'static str {
    match action {
        Action::Deny => "error",
        Action::Warn => "warning",
        Action::Info => "note",
    }
}

/// Renders the report as a SARIF 2.1.0 log.
pub fn render_sarif(report: &Report) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|rule| {
            let short = rule.doc.lines().next().filter(|l| !l.is_empty()).unwrap_or(&rule.name);
            let mut help = rule.doc.clone();
            if let Some(remediation) = &rule.remediation {
                if !help.is_empty() {
                    help.push_str("\n\n");
                }
                help.push_str("Remediation: ");
                help.push_str(remediation);
            }
            if help.is_empty() {
                help = format!("Rule `{}`.", rule.name);
            }
            json!({
                "id": rule.name,
                "name": rule.id.clone().unwrap_or_else(|| rule.name.clone()),
                "shortDescription": { "text": short },
                "fullDescription": { "text": if rule.doc.is_empty() { short } else { &rule.doc } },
                "help": { "text": help, "markdown": help },
                "defaultConfiguration": { "level": level(rule.action) },
                "properties": { "tags": rule.tags, "action": rule.action.as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .all_findings()
        .map(|(image, finding)| {
            let rule_index = report.rules.iter().position(|rule| rule.name == finding.rule);
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.action),
                "message": { "text": finding.message },
                "properties": {
                    "image": image.image.reference,
                    "imageDigest": image.image.digest,
                },
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            let logical = json!([{ "name": image.image.reference, "kind": "module" }]);
            let location = match &finding.location.path {
                Some(path) => {
                    let mut physical = json!({
                        "artifactLocation": { "uri": path.trim_start_matches('/'), "uriBaseId": "IMAGEROOT" },
                    });
                    if let Some(line) = finding.location.line.filter(|line| *line > 0) {
                        physical["region"] = json!({ "startLine": line });
                    }
                    json!({ "physicalLocation": physical, "logicalLocations": logical })
                }
                None => json!({ "logicalLocations": logical }),
            };
            result["locations"] = json!([location]);
            if let Some(layer) = &finding.location.layer {
                result["properties"]["layer"] = json!(layer);
            }
            if let Some(suppression) = &finding.suppressed {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": suppression.reason,
                    "properties": { "exception": suppression.exception, "until": suppression.until },
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tollgate",
                    "version": report.tollgate,
                    "semanticVersion": report.tollgate,
                    "informationUri": "https://example.invalid/tollgate",
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                "IMAGEROOT": { "uri": "file:///", "description": { "text": "The root of the image's filesystem" } }
            },
            "results": results,
            "properties": { "verdict": report.verdict.as_str() },
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn rules_and_results() {
        let log: Value = serde_json::from_str(&render_sarif(&sample::report())).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0]["id"], "acme.prod.root_user");
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        assert!(rules[0]["help"]["text"].as_str().unwrap().contains("Remediation: Set `USER`"));
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["ruleIndex"], 0);
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "etc/passwd"
        );
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[2]["suppressions"][0]["justification"], "not reachable");
    }
}
