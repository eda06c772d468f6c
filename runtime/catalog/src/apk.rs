//! apk: the `lib/apk/db/installed` database (under `/lib` or `/usr/lib`): one record per
//! package, records separated by blank lines, one `K:value` field per line.

use tollgate_facts::{Ecosystem, Package};

use crate::Found;

/// Reads an apk installed database.
pub(crate) fn parse_installed(data: &[u8], out: &mut Found) {
    let text = crate::text(data);
    let mut record = Record::default();
    let mut bad_lines: Vec<usize> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            record.finish(out);
            continue;
        }
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            bad_lines.push(number);
            continue;
        };
        let value = chars.as_str();
        if record.line == 0 {
            record.line = number;
        }
        match key {
            'P' => record.name = value.to_string(),
            'V' => record.version = value.to_string(),
            'A' => record.arch = value.to_string(),
            'o' => record.origin = value.to_string(),
            'L' => record.license = value.to_string(),
            _ => {}
        }
    }
    record.finish(out);
    if let Some(first) = bad_lines.first() {
        let lines = if bad_lines.len() == 1 {
            "line".to_string()
        } else {
            format!("{} lines", bad_lines.len())
        };
        out.problem(format!(
            "{lines} not in `K:value` form (first at line {first}) ignored"
        ));
    }
}

#[derive(Debug, Default)]
struct Record {
    line: usize,
    name: String,
    version: String,
    arch: String,
    origin: String,
    license: String,
}

impl Record {
    /// Ends the current record: a complete one becomes a package.
    fn finish(&mut self, out: &mut Found) {
        let record = std::mem::take(self);
        if record.line == 0 {
            return;
        }
        if record.name.is_empty() {
            out.problem(format!(
                "the record at line {} has no `P:` name; it is skipped",
                record.line
            ));
            return;
        }
        if record.version.is_empty() {
            out.problem(format!(
                "package `{}` at line {} has no `V:` version; it is skipped",
                record.name, record.line
            ));
            return;
        }
        let source_name = if record.origin.is_empty() {
            record.name.clone()
        } else {
            record.origin
        };
        out.packages.push(Package {
            name: record.name,
            version: record.version,
            ecosystem: Ecosystem::Apk,
            source_name,
            architecture: record.arch,
            licenses: if record.license.is_empty() {
                Vec::new()
            } else {
                vec![record.license]
            },
            ..Package::default()
        });
    }
}
