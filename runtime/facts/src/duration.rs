//! Durations as the policy language and the JSON form spell them: `30d`, `12h`, `1h30m`,
//! `90s`, `2w`. Stored as whole seconds.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A span of time in whole seconds (may be negative when computed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    seconds: i64,
}

/// Why a duration string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationParseError {
    /// Empty input.
    #[error("empty duration")]
    Empty,
    /// A number without a unit, or an unknown unit.
    #[error("expected a unit (`w`, `d`, `h`, `m` or `s`) after `{0}`")]
    MissingUnit(String),
    /// A unit without a number, or a stray character.
    #[error("unexpected `{0}` in duration")]
    Unexpected(char),
    /// Too large to represent.
    #[error("duration is too large")]
    Overflow,
}

const UNITS: &[(char, i64)] = &[
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

impl Duration {
    /// A duration of `seconds` seconds.
    pub const fn from_seconds(seconds: i64) -> Duration {
        Duration { seconds }
    }

    /// Whole seconds.
    pub const fn seconds(self) -> i64 {
        self.seconds
    }

    /// Parses a Go-style duration (`1m30s`, `500ms` is refused) as Docker writes healthcheck
    /// intervals in nanoseconds; use [`Duration::from_nanos`] for those.
    pub fn from_nanos(nanos: i64) -> Duration {
        Duration {
            seconds: nanos / 1_000_000_000,
        }
    }
}

impl FromStr for Duration {
    type Err = DurationParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(DurationParseError::Empty);
        }
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut total: i64 = 0;
        let mut number: Option<i64> = None;
        let mut digits = String::new();
        for ch in body.chars() {
            if let Some(digit) = ch.to_digit(10) {
                digits.push(ch);
                let value = number.unwrap_or(0);
                number = Some(
                    value
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(i64::from(digit)))
                        .ok_or(DurationParseError::Overflow)?,
                );
                continue;
            }
            let Some(&(_, scale)) = UNITS.iter().find(|(unit, _)| *unit == ch) else {
                return Err(match number {
                    Some(_) => DurationParseError::MissingUnit(digits),
                    None => DurationParseError::Unexpected(ch),
                });
            };
            let Some(value) = number.take() else {
                return Err(DurationParseError::Unexpected(ch));
            };
            digits.clear();
            total = value
                .checked_mul(scale)
                .and_then(|v| total.checked_add(v))
                .ok_or(DurationParseError::Overflow)?;
        }
        if number.is_some() {
            return Err(DurationParseError::MissingUnit(digits));
        }
        Ok(Duration {
            seconds: if negative { -total } else { total },
        })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.seconds == 0 {
            return f.write_str("0s");
        }
        if self.seconds < 0 {
            f.write_str("-")?;
        }
        let mut rest = self.seconds.unsigned_abs();
        for &(unit, scale) in UNITS {
            let scale = scale.unsigned_abs();
            // Weeks are only used when the duration is a whole number of them.
            if unit == 'w' && !rest.is_multiple_of(scale) {
                continue;
            }
            let count = rest / scale;
            if count > 0 {
                write!(f, "{count}{unit}")?;
                rest %= scale;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-?([0-9]+[wdhms])+$",
            "description": "A duration such as `30d`, `12h` or `1h30m`."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let cases = [
            ("30d", 30 * 86_400),
            ("1h30m", 5_400),
            ("90s", 90),
            ("2w", 1_209_600),
        ];
        for (text, seconds) in cases {
            let parsed: Duration = text.parse().unwrap();
            assert_eq!(parsed.seconds(), seconds, "{text}");
        }
        assert_eq!(Duration::from_seconds(5_400).to_string(), "1h30m");
        assert_eq!(Duration::from_seconds(30 * 86_400).to_string(), "30d");
        assert_eq!(Duration::from_seconds(14 * 86_400).to_string(), "2w");
        assert_eq!(Duration::from_seconds(-90).to_string(), "-1m30s");
        assert_eq!(Duration::from_seconds(0).to_string(), "0s");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!("".parse::<Duration>(), Err(DurationParseError::Empty));
        assert_eq!(
            "30".parse::<Duration>(),
            Err(DurationParseError::MissingUnit("30".into()))
        );
        assert_eq!(
            "d".parse::<Duration>(),
            Err(DurationParseError::Unexpected('d'))
        );
        assert_eq!(
            "3x".parse::<Duration>(),
            Err(DurationParseError::MissingUnit("3".into()))
        );
        assert_eq!(
            "99999999999999999999d".parse::<Duration>(),
            Err(DurationParseError::Overflow)
        );
    }
}
