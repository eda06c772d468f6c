//! Redaction: a secret's value never leaves the scanner. A finding carries the line it was
//! found on with every secret on that line masked.
//!
//! Masking: a value of 20 characters or more keeps its first 4 characters, followed by
//! `*****` (`ghp_*****`: enough to tell which kind of token it was, far too little to use
//! it); a shorter value becomes `*****`. The mask never tells the value's length.

use std::ops::Range;

/// The mask that replaces a value.
pub const MASK: &str = "*****";

/// Values at least this long keep a prefix.
const KEEP_PREFIX_FROM: usize = 20;

/// Characters of the prefix kept.
const PREFIX_CHARS: usize = 4;

/// Longest excerpt, in characters, before it is cut around the first masked value.
pub const MAX_EXCERPT_CHARS: usize = 160;

/// Characters kept before the first masked value when an excerpt is cut.
const CONTEXT_BEFORE: usize = 60;

/// The masked form of a secret's value.
pub fn redact(value: &str) -> String {
    if value.chars().count() >= KEEP_PREFIX_FROM {
        let prefix: String = value.chars().take(PREFIX_CHARS).collect();
        format!("{prefix}{MASK}")
    } else {
        MASK.to_string()
    }
}

/// The excerpt of one line: `line` with the byte ranges in `secrets` masked (ranges are
/// relative to the line; they may overlap or reach past its end), control characters
/// shown as spaces, leading blanks trimmed, and cut to [`MAX_EXCERPT_CHARS`] around the
/// first masked value. Every other occurrence of a masked value on the line is masked too.
pub fn redact_line(line: &[u8], secrets: &[Range<usize>]) -> String {
    let spans: Vec<Span> = secrets
        .iter()
        .map(|range| Span {
            range: range.clone(),
            whole: false,
        })
        .collect();
    redact_spans(line, &spans)
}

/// A value to mask on a line.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// Byte range relative to the line.
    pub range: Range<usize>,
    /// Mask it whole: the value started on an earlier line, so what is here is no prefix.
    pub whole: bool,
}

/// [`redact_line`] with per-span control over the kept prefix.
pub(crate) fn redact_spans(line: &[u8], secrets: &[Span]) -> String {
    let mut spans: Vec<Span> = Vec::new();
    for secret in secrets {
        let start = secret.range.start.min(line.len());
        // A token longer than its rule's pattern allows must not show its tail: the mask
        // extends over the token characters that follow the match.
        let tail = line.get(secret.range.end..).unwrap_or_default();
        let extra = tail
            .iter()
            .take_while(|&&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-')
            })
            .count();
        let end = (secret.range.end + extra).min(line.len());
        if start < end {
            spans.push(Span {
                range: start..end,
                whole: secret.whole,
            });
            // The same value repeated elsewhere on the line (`pass=X confirm=X`).
            if let Some(value) = line.get(start..end).filter(|value| value.len() >= 4) {
                for at in memchr::memmem::find_iter(line, value) {
                    spans.push(Span {
                        range: at..at + value.len(),
                        whole: secret.whole,
                    });
                }
            }
        }
    }
    spans.sort_by_key(|span| (span.range.start, std::cmp::Reverse(span.range.end)));
    let mut merged: Vec<Span> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.range.start <= last.range.end => {
                last.range.end = last.range.end.max(span.range.end);
                last.whole |= span.whole;
            }
            _ => merged.push(span),
        }
    }

    let mut out = String::new();
    let mut first_mask: Option<usize> = None;
    let mut at = 0;
    for span in &merged {
        push_text(&mut out, line.get(at..span.range.start).unwrap_or_default());
        if first_mask.is_none() {
            first_mask = Some(out.chars().count());
        }
        if span.whole {
            out.push_str(MASK);
        } else {
            let value = String::from_utf8_lossy(line.get(span.range.clone()).unwrap_or_default());
            push_text(&mut out, redact(&value).as_bytes());
        }
        at = span.range.end;
    }
    push_text(&mut out, line.get(at..).unwrap_or_default());
    cut(&out, first_mask.unwrap_or(0))
}

/// Appends `bytes` as text, invalid UTF-8 replaced and control characters shown as spaces.
fn push_text(out: &mut String, bytes: &[u8]) {
    out.extend(
        String::from_utf8_lossy(bytes)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c }),
    );
}

/// Trims leading blanks and trailing blanks, then cuts a long excerpt to a window that
/// starts [`CONTEXT_BEFORE`] characters before the first mask; cut ends show `…`.
fn cut(text: &str, first_mask: usize) -> String {
    let leading = text.chars().take_while(|c| c.is_whitespace()).count();
    let chars: Vec<char> = text.trim_end().chars().skip(leading).collect();
    let mask_at = first_mask.saturating_sub(leading);
    if chars.len() <= MAX_EXCERPT_CHARS {
        return chars.into_iter().collect();
    }
    let start = mask_at
        .saturating_sub(CONTEXT_BEFORE)
        .min(chars.len().saturating_sub(MAX_EXCERPT_CHARS));
    let end = (start + MAX_EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(chars.get(start..end).unwrap_or_default());
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_keep_four_characters_short_ones_none() {
        assert_eq!(redact("abcdefghijklmnopqrstuvwxyz"), "abcd*****");
        assert_eq!(redact("short-value"), "*****");
    }

    #[test]
    fn every_occurrence_on_the_line_is_masked() {
        let line = b"  pass=Zq8Lm2Vx confirm=Zq8Lm2Vx";
        let excerpt = redact_line(line, std::slice::from_ref(&(7..15)));
        assert_eq!(excerpt, "pass=***** confirm=*****");
    }

    #[test]
    fn a_token_longer_than_its_match_is_masked_whole() {
        let line = b"key: abcdefghijklmnopqrstuvwxyz0123456789+/tail== end";
        assert_eq!(
            redact_line(line, std::slice::from_ref(&(5..25))),
            "key: abcd***** end"
        );
    }

    #[test]
    fn long_lines_are_cut_around_the_mask() {
        let mut line = "x".repeat(300).into_bytes();
        line.extend_from_slice(b" token=");
        let start = line.len();
        line.extend_from_slice(b"Qm9vYmFyQmF6UXV4UXV1eEdhcnBseQ");
        let end = line.len();
        line.extend_from_slice(b" ");
        line.extend_from_slice(&b"y".repeat(300));
        let excerpt = redact_line(&line, std::slice::from_ref(&(start..end)));
        assert!(excerpt.contains("token=Qm9v*****"));
        assert!(excerpt.starts_with('…') && excerpt.ends_with('…'));
        assert_eq!(excerpt.chars().count(), MAX_EXCERPT_CHARS + 2);
        assert!(!excerpt.contains("Qm9vYmFy"));
    }
}
