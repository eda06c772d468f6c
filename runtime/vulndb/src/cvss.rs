//! Severity from CVSS vectors and from the records' own ratings.
//!
//! CVSS v3.0/v3.1: the base score per the v3.1 specification (section 7.1), with its
//! `Roundup` (section A.2), so that floating-point noise never moves a score by 0.1.
//!
//! CVSS v4.0: the exact score needs the specification's 270-entry macro-vector table; we do
//! not ship it. A v4 vector is rated qualitatively instead (documented in `docs/vulndb.md`):
//! the count of High impacts on the vulnerable system and how easy exploitation is (attack
//! vector, complexity, requirements, privileges, user interaction) give the rating, and no
//! numeric score is reported for it.

use tollgate_facts::Severity;

/// A base score and the severity it rates, from one vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// The CVSS base score, when it was computed exactly.
    pub score: Option<f64>,
    /// The qualitative severity.
    pub severity: Severity,
}

/// Parses `KEY:VALUE/KEY:VALUE...` after the `CVSS:x.y/` prefix.
fn metrics(vector: &str) -> Vec<(&str, &str)> {
    vector
        .split('/')
        .skip(1)
        .filter_map(|part| part.split_once(':'))
        .collect()
}

fn metric<'a>(metrics: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    metrics
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| *value)
}

/// CVSS v3.1's `Roundup`: the smallest number with one decimal that is not less than the
/// input, computed on integers.
fn roundup(value: f64) -> f64 {
    // Scores are within 0..=10.8, so the product fits easily in an i64.
    #[allow(clippy::cast_possible_truncation)]
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

/// The CVSS v3.x base score of `vector`, or none when a base metric is missing or invalid.
pub fn cvss3_base_score(vector: &str) -> Option<f64> {
    if !vector.starts_with("CVSS:3.") {
        return None;
    }
    let metrics = metrics(vector);
    let changed = match metric(&metrics, "S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let attack_vector = match metric(&metrics, "AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let complexity = match metric(&metrics, "AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let privileges = match (metric(&metrics, "PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let interaction = match metric(&metrics, "UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let impact_value = |key: &str| -> Option<f64> {
        match metric(&metrics, key)? {
            "H" => Some(0.56),
            "L" => Some(0.22),
            "N" => Some(0.0),
            _ => None,
        }
    };
    let (confidentiality, integrity, availability) =
        (impact_value("C")?, impact_value("I")?, impact_value("A")?);
    let iss = 1.0 - (1.0 - confidentiality) * (1.0 - integrity) * (1.0 - availability);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * attack_vector * complexity * privileges * interaction;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(roundup(raw.min(10.0)))
}

/// The qualitative rating of a CVSS score (v3.1 section 5).
pub fn severity_of_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Negligible
    }
}

/// The qualitative rating of a CVSS v4.0 vector (see the module documentation).
pub fn cvss4_severity(vector: &str) -> Option<Severity> {
    if !vector.starts_with("CVSS:4.") {
        return None;
    }
    let metrics = metrics(vector);
    let level = |key: &str| -> Option<u8> {
        match metric(&metrics, key)? {
            "H" | "S" => Some(2),
            "L" => Some(1),
            "N" | "X" => Some(0),
            _ => None,
        }
    };
    let vulnerable = [level("VC")?, level("VI")?, level("VA")?];
    let subsequent = [level("SC")?, level("SI")?, level("SA")?];
    let mut ease: i32 = match metric(&metrics, "AV")? {
        "N" => 3,
        "A" => 2,
        "L" => 1,
        "P" => 0,
        _ => return None,
    };
    ease -= i32::from(metric(&metrics, "AC")? == "H");
    ease -= i32::from(metric(&metrics, "AT")? == "P");
    ease -= match metric(&metrics, "PR")? {
        "L" => 1,
        "H" => 2,
        _ => 0,
    };
    ease -= match metric(&metrics, "UI")? {
        "P" => 1,
        "A" => 2,
        _ => 0,
    };
    let highs = vulnerable.iter().filter(|level| **level == 2).count();
    let any_impact = vulnerable.iter().chain(&subsequent).any(|level| *level > 0);
    Some(if !any_impact {
        Severity::Negligible
    } else if highs >= 2 && ease >= 3 {
        Severity::Critical
    } else if highs >= 1 && ease >= 1 {
        Severity::High
    } else if highs >= 1 || ease >= 1 {
        Severity::Medium
    } else {
        Severity::Low
    })
}

/// A rating word as advisories write it (`HIGH`, `Moderate`, `important`, `unimportant`).
pub fn severity_of_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "medium" | "moderate" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        "negligible" | "unimportant" | "none" => Some(Severity::Negligible),
        _ => None,
    }
}

/// Rates one `severity` entry of a record.
pub fn rate(kind: &str, score: &str) -> Option<Rating> {
    match kind {
        "CVSS_V3" => {
            let score = cvss3_base_score(score)?;
            Some(Rating {
                score: Some(score),
                severity: severity_of_score(score),
            })
        }
        "CVSS_V4" => Some(Rating {
            score: None,
            severity: cvss4_severity(score)?,
        }),
        _ => Some(Rating {
            score: None,
            severity: severity_of_word(score)?,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of the CVSS v3.1 specification's examples document.
    #[test]
    fn cvss31_specification_examples() {
        let examples = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1), // CVE-2013-1937 phpMyAdmin
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4), // CVE-2013-0375 MySQL
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1), // CVE-2014-3566 POODLE
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9), // CVE-2012-1516 VMware
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8), // CVE-2012-0384 Cisco IOS
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8), // CVE-2015-1098 Apple iWork
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5), // CVE-2014-0160 Heartbleed
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8), // CVE-2014-6271 Shellshock
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8), // CVE-2008-1447 DNS
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8), // CVE-2014-2005 Sophos
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8), // CVE-2010-0467 Joomla
            ("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8), // CVE-2011-1265 Bluetooth
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6), // CVE-2014-2019 Apple iOS
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4), // CVE-2014-0224 OpenSSL CCS
        ];
        for (vector, expected) in examples {
            assert_eq!(cvss3_base_score(vector), Some(expected), "{vector}");
        }
    }

    #[test]
    fn no_impact_scores_zero_and_bad_vectors_are_refused() {
        assert_eq!(
            cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
        assert_eq!(
            cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            None
        );
        assert_eq!(
            cvss3_base_score("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        assert_eq!(cvss3_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
    }

    #[test]
    fn cvss4_ratings() {
        let rate4 = |vector: &str| cvss4_severity(vector).unwrap();
        // Scores per the FIRST v4.0 calculator: 9.3, 8.7, 5.1, 6.3.
        assert_eq!(
            rate4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Severity::Critical
        );
        assert_eq!(
            rate4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"),
            Severity::High
        );
        assert_eq!(
            rate4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N"),
            Severity::Medium
        );
        assert_eq!(
            rate4("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"),
            Severity::Medium
        );
        assert_eq!(cvss4_severity("CVSS:4.0/AV:N"), None);
    }
}
