//! Comparison helpers shared by the orderings: numbers of any length compared as digit
//! strings (no overflow, no big-integer dependency) and ASCII character classes.

use std::cmp::Ordering;

/// Compares two runs of ASCII digits by numeric value, whatever their length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether the digit run is zero (an empty run counts as zero).
pub(crate) fn is_zero(digits: &str) -> bool {
    digits.bytes().all(|byte| byte == b'0')
}

/// Whether every byte is an ASCII digit and there is at least one.
pub(crate) fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_numbers_compare_by_value() {
        assert_eq!(
            cmp_digits(
                "999999999999999999999999999991",
                "999999999999999999999999999999"
            ),
            Ordering::Less
        );
        assert_eq!(cmp_digits("007", "7"), Ordering::Equal);
        assert_eq!(cmp_digits("", "0"), Ordering::Equal);
        assert_eq!(cmp_digits("10", "9"), Ordering::Greater);
    }
}
