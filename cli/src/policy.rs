//! Compiling policy sources with the compiler's database, and showing its diagnostics with
//! miette (colour only on a terminal).

use std::collections::BTreeMap;
use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use tollgate_compiler::{Compiler, Diagnostic};

use crate::repo::Sources;

/// A compiler loaded with policy sources, and how to show its paths to the user.
pub struct LoadedPolicy {
    pub compiler: Compiler,
    /// compiler path (relative to the source root) -> (display path, text)
    pub files: BTreeMap<String, (String, String)>,
}

impl LoadedPolicy {
    /// Loads every source file into a fresh compiler.
    pub fn load(sources: &Sources) -> LoadedPolicy {
        let mut compiler = Compiler::new();
        let mut files = BTreeMap::new();
        for file in &sources.files {
            compiler.set_source(&file.relative, &file.text);
            files.insert(
                file.relative.clone(),
                (file.display_path.clone(), file.text.clone()),
            );
        }
        LoadedPolicy { compiler, files }
    }

    /// The diagnostics of the policy sources (and of the stdlib, should it be broken).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.compiler.diagnostics()
    }

    /// Renders diagnostics for standard error.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        let colour = std::io::stderr().is_terminal();
        let theme = if colour {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        for diagnostic in diagnostics {
            let (display, text) = match self.files.get(&*diagnostic.file) {
                Some((display, text)) => (display.clone(), text.clone()),
                None => (
                    diagnostic.file.to_string(),
                    self.compiler
                        .source_text(&diagnostic.file)
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                ),
            };
            let (line, column) = diagnostic.line_column(&text);
            let report = miette::Report::new(diagnostic.clone())
                .with_source_code(NamedSource::new(display.clone(), text));
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                out.push_str(&format!(
                    "{}[{}]: {}\n  --> {display}:{line}:{column}\n",
                    diagnostic.severity.as_str(),
                    diagnostic.code,
                    diagnostic.message
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// "2 errors, 1 warning" style counts.
pub fn count_summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
