//! The `Field: value` stanza format shared by dpkg databases (deb822) and Python package
//! metadata (RFC 822 headers): blank lines separate stanzas, a line that starts with a space
//! or a tab continues the previous field's value.

/// One stanza: its fields in order, and the 1-based line it starts on.
#[derive(Debug, Default)]
pub(crate) struct Stanza<'a> {
    pub(crate) line: usize,
    pub(crate) fields: Vec<(&'a str, String)>,
}

impl Stanza<'_> {
    /// The first value of a field, by case-insensitive name.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated field (Python's `Classifier`).
    pub(crate) fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.fields
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The result of splitting a text into stanzas: the stanzas and the 1-based numbers of lines
/// that are neither a field nor a continuation.
#[derive(Debug, Default)]
pub(crate) struct Stanzas<'a> {
    pub(crate) stanzas: Vec<Stanza<'a>>,
    pub(crate) bad_lines: Vec<usize>,
}

/// Splits a text into stanzas. With `first_only`, stops at the first blank line (RFC 822
/// headers end there and a body follows).
pub(crate) fn parse(text: &str, first_only: bool) -> Stanzas<'_> {
    let mut out = Stanzas::default();
    let mut current = Stanza::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if !current.fields.is_empty() {
                out.stanzas.push(std::mem::take(&mut current));
                if first_only {
                    return out;
                }
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match current.fields.last_mut() {
                Some((_, value)) => {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                None => out.bad_lines.push(number),
            }
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.is_empty() && !key.contains(' ') => {
                if current.fields.is_empty() {
                    current.line = number;
                }
                current.fields.push((key, value.trim().to_string()));
            }
            _ => out.bad_lines.push(number),
        }
    }
    if !current.fields.is_empty() {
        out.stanzas.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_split_on_blank_lines_and_fold_continuations() {
        let text = "Package: a\nDescription: one\n two\n\n\nPackage: b\nbroken line\nVersion: 1\n";
        let parsed = parse(text, false);
        assert_eq!(parsed.stanzas.len(), 2);
        assert_eq!(parsed.stanzas[0].get("description"), Some("one\ntwo"));
        assert_eq!(parsed.stanzas[1].line, 6);
        assert_eq!(parsed.stanzas[1].get("Version"), Some("1"));
        assert_eq!(parsed.bad_lines, vec![7]);
    }
}
