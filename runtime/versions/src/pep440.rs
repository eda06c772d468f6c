//! The PEP 440 ordering (PyPI): `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the
//! spec's normalisation (case, separators, `alpha`/`c`/`pre`/`preview`/`rev`/`r` spellings,
//! implicit numbers, `-N` post-releases, a leading `v`). Strings that are not PEP 440 are
//! "legacy" versions, ordered before every valid one and among themselves as setuptools'
//! old `LegacyVersion` did.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, is_zero};

#[derive(Debug, PartialEq, Eq)]
struct Pep440 {
    epoch: String,
    release: Vec<String>,
    /// (0 = a, 1 = b, 2 = rc, number)
    pre: Option<(u8, String)>,
    post: Option<String>,
    dev: Option<String>,
    local: Vec<String>,
}

/// A cursor over the lowercased version text.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn digits(&mut self) -> Option<&'a str> {
        let len = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let (digits, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(digits)
    }

    fn eat(&mut self, text: &str) -> bool {
        match self.rest.strip_prefix(text) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn separator(&mut self) -> bool {
        self.eat(".") || self.eat("-") || self.eat("_")
    }

    /// Tries `[sep]label[sep][N]` for one of `labels` (longest first); restores on failure.
    fn labelled(&mut self, labels: &[&'static str]) -> Option<(&'static str, Option<&'a str>)> {
        let saved = self.rest;
        self.separator();
        let Some(label) = labels
            .iter()
            .find(|label| self.rest.starts_with(**label))
            .copied()
        else {
            self.rest = saved;
            return None;
        };
        self.eat(label);
        let before_number = self.rest;
        self.separator();
        let number = self.digits();
        if number.is_none() {
            self.rest = before_number;
        }
        Some((label, number))
    }
}

fn parse(text: &str) -> Option<Pep440> {
    let lower = text.trim().to_ascii_lowercase();
    let mut cursor = Cursor {
        rest: lower.as_str(),
    };
    cursor.eat("v");
    let mut epoch = "0".to_string();
    let first = cursor.digits()?;
    let mut release = vec![first.to_string()];
    if cursor.eat("!") {
        epoch = first.to_string();
        release = vec![cursor.digits()?.to_string()];
    }
    loop {
        let saved = cursor.rest;
        if cursor.eat(".")
            && let Some(digits) = cursor.digits()
        {
            release.push(digits.to_string());
            continue;
        }
        cursor.rest = saved;
        break;
    }
    let pre = cursor
        .labelled(&["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"])
        .map(|(label, number)| {
            let kind = match label {
                "alpha" | "a" => 0,
                "beta" | "b" => 1,
                _ => 2,
            };
            (kind, number.unwrap_or("0").to_string())
        });
    let mut post = None;
    let saved = cursor.rest;
    if cursor.eat("-")
        && let Some(number) = cursor.digits()
    {
        post = Some(number.to_string());
    } else {
        cursor.rest = saved;
        if let Some((_, number)) = cursor.labelled(&["post", "rev", "r"]) {
            post = Some(number.unwrap_or("0").to_string());
        }
    }
    let dev = cursor
        .labelled(&["dev"])
        .map(|(_, number)| number.unwrap_or("0").to_string());
    let mut local = Vec::new();
    if cursor.eat("+") {
        for segment in cursor.rest.split(['.', '-', '_']) {
            if segment.is_empty() || !segment.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
                return None;
            }
            local.push(segment.to_string());
        }
        cursor.rest = "";
    }
    if !cursor.rest.is_empty() {
        return None;
    }
    Some(Pep440 {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

/// Compares two versions with PEP 440's ordering.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => compare_parsed(&a, &b),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => legacy_key(a).cmp(&legacy_key(b)),
    }
}

fn compare_release(a: &[String], b: &[String]) -> Ordering {
    let count = a.len().max(b.len());
    for position in 0..count {
        let a = a.get(position).map_or("0", String::as_str);
        let b = b.get(position).map_or("0", String::as_str);
        let ordering = cmp_digits(a, b);
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// The pre-release position: a dev-only release sorts before every pre-release, a final
/// release after all of them.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreKey<'a> {
    DevOnly,
    Pre(u8, Number<'a>),
    Final,
}

/// A digit run ordered by value.
#[derive(PartialEq, Eq)]
struct Number<'a>(&'a str);

impl PartialOrd for Number<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0, other.0)
    }
}

fn pre_key(version: &Pep440) -> PreKey<'_> {
    match &version.pre {
        Some((kind, number)) => PreKey::Pre(*kind, Number(number)),
        None if version.post.is_none() && version.dev.is_some() => PreKey::DevOnly,
        None => PreKey::Final,
    }
}

fn compare_parsed(a: &Pep440, b: &Pep440) -> Ordering {
    cmp_digits(&a.epoch, &b.epoch)
        .then_with(|| compare_release(&a.release, &b.release))
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        // No post-release sorts first; no dev-release sorts last.
        .then_with(|| {
            a.post
                .as_deref()
                .map(Number)
                .cmp(&b.post.as_deref().map(Number))
        })
        .then_with(|| match (&a.dev, &b.dev) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => cmp_digits(a, b),
        })
        .then_with(|| compare_local(&a.local, &b.local))
}

fn compare_local(a: &[String], b: &[String]) -> Ordering {
    for (a, b) in a.iter().zip(b) {
        let a_numeric = a.bytes().all(|byte| byte.is_ascii_digit());
        let b_numeric = b.bytes().all(|byte| byte.is_ascii_digit());
        let ordering = match (a_numeric, b_numeric) {
            (true, true) => cmp_digits(a, b),
            // Alphanumeric segments sort before numeric ones.
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => a.cmp(b),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.len().cmp(&b.len())
}

/// setuptools' `LegacyVersion` key: digit runs zero-padded, words prefixed with `*`,
/// `pre`/`preview`/`rc` as `c`, `dev` as `@`, `-` as `final-`, trailing zeros dropped.
fn legacy_key(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut parts: Vec<String> = Vec::new();
    let mut push = |part: String| {
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|last| last == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|last| last == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    };
    for token in legacy_tokens(&lower) {
        let token = match token {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if token.is_empty() || token == "." {
            continue;
        }
        if token.starts_with(|c: char| c.is_ascii_digit()) {
            push(format!("{token:0>8}"));
        } else {
            push(format!("*{token}"));
        }
    }
    push("*final".to_string());
    parts
}

/// Splits into digit runs, letter runs, `.` and `-`, keeping other characters as runs too
/// (as Python's `re.split` with a capturing group does).
fn legacy_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let class = |byte: u8| -> u8 {
        if byte.is_ascii_digit() {
            0
        } else if byte.is_ascii_lowercase() {
            1
        } else if byte == b'.' || byte == b'-' {
            2
        } else {
            3
        }
    };
    let mut position = 0;
    while position < bytes.len() {
        let Some(&byte) = bytes.get(position) else {
            break;
        };
        let kind = class(byte);
        let mut end = position + 1;
        if kind < 2 {
            while bytes.get(end).is_some_and(|next| class(*next) == kind) {
                end += 1;
            }
        }
        if kind == 3 {
            // Other characters glue to the surrounding "other" text.
            while bytes.get(end).is_some_and(|next| class(*next) == 3) {
                end += 1;
            }
        }
        if start < position {
            tokens.push(text.get(start..position).unwrap_or(""));
        }
        tokens.push(text.get(position..end).unwrap_or(""));
        position = end;
        start = end;
    }
    tokens
}

/// Checks a version against PEP 440.
pub fn validate(version: &str) -> Result<(), String> {
    match parse(version) {
        Some(_) => Ok(()),
        None => Err("not a PEP 440 version".to_string()),
    }
}

/// The normalised PEP 440 spelling of a version, or none when it is not PEP 440.
pub fn normalize(version: &str) -> Option<String> {
    let parsed = parse(version)?;
    let mut out = String::new();
    if !is_zero(&parsed.epoch) {
        out.push_str(parsed.epoch.trim_start_matches('0'));
        out.push('!');
    }
    let release: Vec<&str> = parsed
        .release
        .iter()
        .map(|part| trim_number(part))
        .collect();
    out.push_str(&release.join("."));
    if let Some((kind, number)) = &parsed.pre {
        out.push_str(
            ["a", "b", "rc"]
                .get(usize::from(*kind))
                .copied()
                .unwrap_or("rc"),
        );
        out.push_str(trim_number(number));
    }
    if let Some(post) = &parsed.post {
        out.push_str(".post");
        out.push_str(trim_number(post));
    }
    if let Some(dev) = &parsed.dev {
        out.push_str(".dev");
        out.push_str(trim_number(dev));
    }
    if !parsed.local.is_empty() {
        out.push('+');
        let local: Vec<&str> = parsed
            .local
            .iter()
            .map(|part| {
                if part.bytes().all(|b| b.is_ascii_digit()) {
                    trim_number(part)
                } else {
                    part
                }
            })
            .collect();
        out.push_str(&local.join("."));
    }
    Some(out)
}

fn trim_number(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_follows_the_spec() {
        assert_eq!(normalize("1.0-ALPHA.1").as_deref(), Some("1.0a1"));
        assert_eq!(normalize("v1!01.2-3").as_deref(), Some("1!1.2.post3"));
        assert_eq!(normalize("1.0.dev").as_deref(), Some("1.0.dev0"));
        assert_eq!(normalize("1.0c2").as_deref(), Some("1.0rc2"));
        assert_eq!(normalize("1.0+ubuntu-1").as_deref(), Some("1.0+ubuntu.1"));
        assert_eq!(normalize("1.0 junk"), None);
    }
}
