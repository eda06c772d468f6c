//! Helpers shared by the vulnerability database's integration tests.

use tollgate_facts::{Ecosystem, Package};

/// An installed package as the catalogers report it: name, source package and version.
pub fn package(ecosystem: Ecosystem, name: &str, source: &str, version: &str) -> Package {
    Package {
        name: name.into(),
        source_name: source.into(),
        version: version.into(),
        ecosystem,
        ..Package::default()
    }
}
