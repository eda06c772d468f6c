//! Python: installed distributions' `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and
//! single-file `*.egg-info`, all in the RFC 822 header format; names are normalised as PEP
//! 503 says (lowercase, runs of `-`, `_` and `.` become one `-`).

use tollgate_facts::{Ecosystem, Package};

use crate::{Found, stanza};

/// Longest `License:` value taken as a license name; longer ones are the license's text.
const MAX_LICENSE_NAME: usize = 100;

/// Whether a metadata folder is a copy vendored inside another distribution
/// (`setuptools/_vendor/zipp-3.19.2.dist-info`): not an installed distribution, and not what
/// pip lists; the distribution that ships it is.
pub(crate) fn is_vendored(metadata_path: &str) -> bool {
    metadata_path.contains("/_vendor/")
}

/// Reads one metadata file.
pub(crate) fn parse_metadata(data: &[u8], out: &mut Found) {
    let text = crate::text(data);
    let parsed = stanza::parse(&text, true);
    let Some(headers) = parsed.stanzas.first() else {
        out.problem("no metadata headers");
        return;
    };
    let name = headers.get("Name").unwrap_or("");
    if name.is_empty() {
        out.problem("metadata has no `Name`");
        return;
    }
    let version = headers.get("Version").unwrap_or("");
    if version.is_empty() {
        out.problem(format!(
            "distribution `{name}` has no `Version`; it is skipped"
        ));
        return;
    }
    out.packages.push(Package {
        name: normalize_name(name),
        version: version.to_string(),
        ecosystem: Ecosystem::Python,
        licenses: licenses(headers),
        ..Package::default()
    });
}

/// The licenses a distribution declares: the SPDX `License-Expression` (metadata 2.4), else a
/// short `License` field, else the license classifiers.
fn licenses(headers: &stanza::Stanza<'_>) -> Vec<String> {
    if let Some(expression) = headers
        .get("License-Expression")
        .filter(|value| !value.is_empty())
    {
        return vec![expression.to_string()];
    }
    if let Some(license) = headers.get("License") {
        let license = license.trim();
        if !license.is_empty()
            && !license.eq_ignore_ascii_case("UNKNOWN")
            && !license.contains('\n')
            && license.len() <= MAX_LICENSE_NAME
        {
            return vec![license.to_string()];
        }
    }
    headers
        .all("Classifier")
        .filter_map(|classifier| classifier.strip_prefix("License ::"))
        .filter_map(|rest| rest.rsplit("::").next())
        .map(|license| license.trim().to_string())
        .filter(|license| !license.is_empty() && license != "OSI Approved")
        .collect()
}

/// PEP 503 normalisation.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep_503_names() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY__._BARD"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
    }
}
