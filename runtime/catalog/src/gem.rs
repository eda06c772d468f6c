//! Ruby: installed gems' `specifications/*.gemspec`. These are Ruby programs that RubyGems
//! writes in one fixed style (`s.name = "rake".freeze`), so the assignments are read as text;
//! nothing is evaluated.

use tollgate_facts::{Ecosystem, Package};

use crate::Found;

/// Reads one installed gem specification.
pub(crate) fn parse_gemspec(data: &[u8], out: &mut Found) {
    let text = crate::text(data);
    let mut name = String::new();
    let mut version = String::new();
    let mut licenses: Vec<String> = Vec::new();
    for line in text.lines() {
        let Some((target, value)) = line.split_once('=') else {
            continue;
        };
        // `s.name`, `spec.version`: an attribute of the block's variable, not `==`.
        if value.starts_with('=') {
            continue;
        }
        let Some(attribute) = target
            .trim()
            .rsplit_once('.')
            .map(|(_, attribute)| attribute)
        else {
            continue;
        };
        let strings = string_literals(value);
        match attribute {
            "name" if name.is_empty() => name = strings.into_iter().next().unwrap_or_default(),
            "version" if version.is_empty() => {
                version = strings.into_iter().next().unwrap_or_default()
            }
            "licenses" | "license" if licenses.is_empty() => licenses = strings,
            _ => {}
        }
    }
    if name.is_empty() || version.is_empty() {
        // `# stub: NAME VERSION PLATFORM PATHS`, the first line RubyGems writes.
        if let Some(stub) = text.lines().find_map(|line| line.strip_prefix("# stub: ")) {
            let mut words = stub.split_whitespace();
            if name.is_empty() {
                name = words.next().unwrap_or("").to_string();
            }
            if version.is_empty() {
                version = words.next().unwrap_or("").to_string();
            }
        }
    }
    if name.is_empty() || version.is_empty() {
        out.problem("gemspec has no `name` or no `version`; it is skipped");
        return;
    }
    out.packages.push(Package {
        name,
        version,
        ecosystem: Ecosystem::Gem,
        licenses,
        ..Package::default()
    });
}

/// The double- or single-quoted string literals of a Ruby expression, in order.
fn string_literals(expression: &str) -> Vec<String> {
    let mut literals = Vec::new();
    let mut chars = expression.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let literal: String = chars.by_ref().take_while(|inner| *inner != c).collect();
            literals.push(literal);
        } else if c == '#' {
            break;
        }
    }
    literals
}
