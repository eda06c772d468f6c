//! From the compiler's byte spans and results to LSP types (UTF-16 positions), and back.

use std::sync::Arc;

use tollgate_compiler::ide::{self, Analysis, LineIndex};
use tollgate_compiler::syntax::ast::Span;
use tollgate_compiler::{Diagnostic, Severity};
use tower_lsp_server::ls_types as lsp;

use crate::paths::Paths;

/// The `did you mean `x`?` suggestion of a help text.
pub fn suggestion(help: &str) -> Option<&str> {
    let start = help.find("did you mean `")? + "did you mean `".len();
    let rest = help.get(start..)?;
    let end = rest.find('`')?;
    rest.get(..end)
}

/// An LSP range of a byte span.
pub fn range(index: &LineIndex, span: Span) -> lsp::Range {
    let (start_line, start_col) = index.position(span.start);
    let (end_line, end_col) = index.position(span.end);
    lsp::Range::new(
        lsp::Position::new(start_line, start_col),
        lsp::Position::new(end_line, end_col),
    )
}

/// The byte offset of an LSP position.
pub fn offset(index: &LineIndex, position: lsp::Position) -> usize {
    index.offset(position.line, position.character)
}

/// The line index of a file of the snapshot (empty text when unknown).
pub fn line_index(analysis: &Analysis<'_>, path: &str) -> LineIndex {
    LineIndex::new(analysis.text(path).as_deref().unwrap_or(""))
}

/// An LSP location of a compiler location.
pub fn location(
    analysis: &Analysis<'_>,
    paths: &Paths,
    location: &ide::Location,
) -> Option<lsp::Location> {
    let index = line_index(analysis, &location.path);
    Some(lsp::Location::new(
        paths.uri_of(&location.path)?,
        range(&index, location.span),
    ))
}

/// One compiler diagnostic as LSP: code, severity, secondary labels and the help as related
/// information (as rust-analyzer does), and `data.replacement` when the help suggests a name.
pub fn diagnostic(index: &LineIndex, uri: &lsp::Uri, diagnostic: &Diagnostic) -> lsp::Diagnostic {
    let primary = range(index, diagnostic.primary.span);
    let mut related: Vec<lsp::DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .map(|label| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), range(index, label.span)),
            message: label.message.clone(),
        })
        .collect();
    if let Some(help) = &diagnostic.help {
        related.push(lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), primary),
            message: format!("help: {help}"),
        });
    }
    let data = diagnostic.help.as_ref().map(|help| {
        let mut data = serde_json::Map::new();
        data.insert("help".into(), serde_json::Value::String(help.clone()));
        if let Some(replacement) = suggestion(help) {
            data.insert(
                "replacement".into(),
                serde_json::Value::String(replacement.to_string()),
            );
        }
        serde_json::Value::Object(data)
    });
    lsp::Diagnostic {
        range: primary,
        severity: Some(match diagnostic.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(diagnostic.code.to_string())),
        code_description: None,
        source: Some("tollgate".to_string()),
        message: diagnostic.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data,
    }
}

/// The LSP diagnostics of every policy file: (compiler path, URI, diagnostics).
pub fn all_diagnostics(
    analysis: &Analysis<'_>,
    paths: &Paths,
) -> Vec<(String, lsp::Uri, Vec<lsp::Diagnostic>)> {
    let mut out = Vec::new();
    for path in analysis.policy_paths() {
        let Some(uri) = paths.uri_of(&path) else {
            continue;
        };
        let index = line_index(analysis, &path);
        let diagnostics = analysis
            .diagnostics(&path)
            .iter()
            .map(|d| diagnostic(&index, &uri, d))
            .collect();
        out.push((path.to_string(), uri, diagnostics));
    }
    out
}

/// The LSP symbol kind of a declaration kind.
pub fn symbol_kind(kind: ide::SymbolKind) -> lsp::SymbolKind {
    match kind {
        ide::SymbolKind::Module => lsp::SymbolKind::MODULE,
        ide::SymbolKind::Param => lsp::SymbolKind::CONSTANT,
        ide::SymbolKind::Function => lsp::SymbolKind::FUNCTION,
        ide::SymbolKind::Rule => lsp::SymbolKind::EVENT,
        ide::SymbolKind::Record => lsp::SymbolKind::STRUCT,
        ide::SymbolKind::Field => lsp::SymbolKind::FIELD,
        ide::SymbolKind::Enum => lsp::SymbolKind::ENUM,
        ide::SymbolKind::Variant => lsp::SymbolKind::ENUM_MEMBER,
        ide::SymbolKind::Secret => lsp::SymbolKind::KEY,
        ide::SymbolKind::Test => lsp::SymbolKind::METHOD,
        ide::SymbolKind::Except => lsp::SymbolKind::OBJECT,
    }
}

/// A document symbol (with children) of a declaration.
#[allow(deprecated)] // reason: `deprecated` is a required field of the LSP struct
pub fn document_symbol(index: &LineIndex, decl: &ide::Declaration) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: decl.name.clone(),
        detail: (!decl.detail.is_empty()).then(|| decl.detail.clone()),
        kind: symbol_kind(decl.kind),
        tags: None,
        deprecated: None,
        range: range(index, decl.span),
        selection_range: range(index, decl.name_span),
        children: (!decl.children.is_empty()).then(|| {
            decl.children
                .iter()
                .map(|c| document_symbol(index, c))
                .collect()
        }),
    }
}

/// The LSP completion item kind.
pub fn completion_kind(kind: ide::CompletionKind) -> lsp::CompletionItemKind {
    match kind {
        ide::CompletionKind::Field => lsp::CompletionItemKind::FIELD,
        ide::CompletionKind::Function => lsp::CompletionItemKind::FUNCTION,
        ide::CompletionKind::Param => lsp::CompletionItemKind::CONSTANT,
        ide::CompletionKind::Rule => lsp::CompletionItemKind::EVENT,
        ide::CompletionKind::Local => lsp::CompletionItemKind::VARIABLE,
        ide::CompletionKind::Type => lsp::CompletionItemKind::STRUCT,
        ide::CompletionKind::Variant => lsp::CompletionItemKind::ENUM_MEMBER,
        ide::CompletionKind::Module => lsp::CompletionItemKind::MODULE,
        ide::CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
        ide::CompletionKind::Snippet => lsp::CompletionItemKind::SNIPPET,
    }
}

/// An LSP completion item.
pub fn completion(item: &ide::Completion) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: item.label.clone(),
        kind: Some(completion_kind(item.kind)),
        detail: (!item.detail.is_empty()).then(|| item.detail.clone()),
        documentation: (!item.documentation.is_empty()).then(|| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: item.documentation.clone(),
            })
        }),
        insert_text: item.insert_text.clone(),
        insert_text_format: (item.kind == ide::CompletionKind::Snippet)
            .then_some(lsp::InsertTextFormat::SNIPPET),
        ..lsp::CompletionItem::default()
    }
}

/// Semantic tokens, delta-encoded.
pub fn semantic_tokens(index: &LineIndex, tokens: &[ide::SemanticToken]) -> lsp::SemanticTokens {
    let mut data = Vec::with_capacity(tokens.len());
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for token in tokens {
        let (line, col) = index.position(token.span.start);
        let (_, end_col) = index.position(token.span.end);
        let delta_line = line - last_line.min(line);
        let delta_start = if delta_line == 0 {
            col.saturating_sub(last_col)
        } else {
            col
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end_col.saturating_sub(col),
            token_type: token.kind as u32,
            token_modifiers_bitset: u32::from(token.declaration),
        });
        last_line = line;
        last_col = col;
    }
    lsp::SemanticTokens {
        result_id: None,
        data,
    }
}

/// The legend of `semantic_tokens`.
pub fn semantic_legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: ide::SEMANTIC_TOKEN_KINDS
            .iter()
            .map(|name| lsp::SemanticTokenType::new(name))
            .collect(),
        token_modifiers: vec![lsp::SemanticTokenModifier::DECLARATION],
    }
}

/// A workspace edit replacing every location with `new_text`.
pub fn workspace_edit(
    analysis: &Analysis<'_>,
    paths: &Paths,
    locations: &[ide::Location],
    new_text: &str,
) -> lsp::WorkspaceEdit {
    let mut changes: std::collections::HashMap<lsp::Uri, Vec<lsp::TextEdit>> =
        std::collections::HashMap::new();
    let mut indexes: std::collections::BTreeMap<Arc<str>, LineIndex> =
        std::collections::BTreeMap::new();
    for location in locations {
        let Some(uri) = paths.uri_of(&location.path) else {
            continue;
        };
        let index = indexes
            .entry(location.path.clone())
            .or_insert_with(|| line_index(analysis, &location.path));
        changes.entry(uri).or_default().push(lsp::TextEdit::new(
            range(index, location.span),
            new_text.to_string(),
        ));
    }
    lsp::WorkspaceEdit::new(changes)
}
