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

/// Sets `key` on a JSON object (the values built here are always objects).
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_string(), value);
    }
}

/// A rule's SARIF id: its stable `@id` when it has one, else its qualified name.
fn sarif_rule_id(rule: &super::RuleInfo) -> String {
    rule.id.clone().unwrap_or_else(|| rule.name.clone())
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
            let id = sarif_rule_id(rule);
            let mut descriptor = json!({
                "id": id,
                "shortDescription": { "text": short },
                "fullDescription": { "text": if rule.doc.is_empty() { short } else { &rule.doc } },
                "help": { "text": help, "markdown": help },
                "defaultConfiguration": { "level": level(rule.action) },
                "properties": { "tags": rule.tags, "action": rule.action.as_str(), "rule": rule.name },
            });
            if id != rule.name {
                set(&mut descriptor, "name", json!(rule.name));
            }
            descriptor
        })
        .collect();
    let results: Vec<Value> = report
        .all_findings()
        .map(|(image, finding)| {
            let rule_index = report.rules.iter().position(|rule| rule.name == finding.rule);
            let rule_id = rule_index
                .and_then(|index| report.rules.get(index))
                .map_or_else(|| finding.rule.clone(), sarif_rule_id);
            let mut result = json!({
                "ruleId": rule_id,
                "level": level(finding.action),
                "message": { "text": finding.message },
                "properties": {
                    "image": image.image.reference,
                    "imageDigest": image.image.digest,
                },
            });
            if let Some(index) = rule_index {
                set(&mut result, "ruleIndex", json!(index));
            }
            let logical = json!([{ "name": image.image.reference, "kind": "module" }]);
            // A physical location needs a region; a finding about a whole file (no line)
            // names the file as a logical location instead.
            let line = finding.location.line.filter(|line| *line > 0);
            let location = match (&finding.location.path, line) {
                (Some(path), Some(line)) => json!({
                    "physicalLocation": {
                        "artifactLocation": { "uri": path.trim_start_matches('/'), "uriBaseId": "IMAGEROOT" },
                        "region": { "startLine": line },
                    },
                    "logicalLocations": logical,
                }),
                (Some(path), None) => json!({
                    "logicalLocations": [
                        { "name": image.image.reference, "kind": "module" },
                        { "fullyQualifiedName": path, "kind": "resource" },
                    ],
                }),
                (None, _) => json!({ "logicalLocations": logical }),
            };
            set(&mut result, "locations", json!([location]));
            if let Some(layer) = &finding.location.layer
                && let Some(properties) = result.get_mut("properties")
            {
                set(properties, "layer", json!(layer));
            }
            if let Some(suppression) = &finding.suppressed {
                set(&mut result, "suppressions", json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": suppression.reason,
                    "properties": { "exception": suppression.exception, "until": suppression.until },
                }]));
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
        assert_eq!(rules[0]["id"], "ACME-001");
        assert_eq!(rules[0]["name"], "acme.prod.root_user");
        assert_eq!(rules[1]["id"], "acme.prod.unexpected_ports");
        assert!(rules[1].get("name").is_none());
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        assert!(
            rules[0]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("Remediation: Set `USER`")
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["ruleIndex"], 0);
        assert_eq!(results[0]["ruleId"], "ACME-001");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "etc/passwd"
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            results[2]["suppressions"][0]["justification"],
            "not reachable"
        );
    }
}
