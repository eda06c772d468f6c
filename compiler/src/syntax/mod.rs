//! The syntax layer: the syntax tree of policy files ([`ast`]) and the parser that builds it.
//!
//! [`parse`] never fails and never panics. It first parses the whole file; when that fails, it
//! splits the file into slices at the lines that start an item in the first column (an item
//! keyword, `@` or `///`) and parses each slice alone, so every broken item yields one error
//! and is kept as [`ast::ItemKind::Broken`] (with whatever name could be read), while the good
//! items come out whole.

pub mod ast;
mod build;
pub mod codes;

use ast::{BrokenItem, Comment, File, Ident, Item, ItemKind, Span};
use build::Builder;
use tollgate_grammar::{Entry, GrammarError, ITEM_KEYWORDS, Kind, Node};

/// The result of parsing one file: the tree and the syntax errors, in source order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Parse {
    /// The syntax tree (always present, possibly with broken items).
    pub file: File,
    /// Syntax errors, sorted by position.
    pub errors: Vec<SyntaxError>,
}

/// A syntax error with a stable code (TG0001–TG0099, see [`codes::SYNTAX_CODES`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    /// Where the error is (an empty span at the end of the file for a premature end).
    pub span: Span,
    /// What is wrong, in the diagnostics style: lowercase, no final period, input in backticks.
    pub message: String,
    /// The stable code, such as `TG0001`.
    pub code: &'static str,
    /// How to fix it, when a fix is likely.
    pub help: Option<String>,
}

/// The deepest bracket nesting accepted inside one item (keeps parsing bounded on hostile input).
const MAX_NESTING: usize = 64;

/// Parses a policy file. Never fails: errors are returned next to the tree.
///
/// The file is first cut into chunks by [`chunks`] (one item each, in practice), and each chunk
/// is parsed on its own by [`parse_range`]: this is what the salsa database does too, one
/// memoised query per chunk, so that an edit re-parses only the chunk it touches.
pub fn parse(text: &str) -> Parse {
    let mut file = File {
        span: Span::new(0, text.len()),
        module_doc: None,
        items: Vec::new(),
        comments: Vec::new(),
    };
    let mut errors = Vec::new();
    for (start, end) in chunks(text) {
        let chunk = parse_range(text, start, end, start == 0);
        if file.module_doc.is_none() {
            file.module_doc = chunk.file.module_doc;
        }
        file.items.extend(chunk.file.items);
        file.comments.extend(chunk.file.comments);
        errors.extend(chunk.errors);
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse { file, errors }
}

/// Parses the bytes `start..end` of `text` (whole items, as cut by [`chunks`]) on their own.
/// Spans are offsets in `text`. `leading` says whether the range starts the file: module docs
/// `//!` are only allowed there. Never fails; recovers item by item inside the range.
pub fn parse_range(text: &str, start: usize, end: usize, leading: bool) -> Parse {
    let end = end.min(text.len());
    if let Some(parse) = parse_whole(text, start, end, leading) {
        return parse;
    }
    let mut file = File {
        span: Span::new(start, end),
        module_doc: None,
        items: Vec::new(),
        comments: Vec::new(),
    };
    let mut errors = Vec::new();
    for (index, (slice_start, slice_end)) in item_slices(text, start, end).into_iter().enumerate() {
        let first_slice = leading && index == 0;
        parse_slice(
            text,
            slice_start,
            slice_end,
            first_slice,
            &mut file,
            &mut errors,
        );
    }
    if errors.is_empty() {
        // Unreachable in practice (the slices concatenate to the range), but never report a
        // failed range as clean.
        errors.push(SyntaxError {
            span: Span::new(start, start),
            message: "this file could not be parsed".to_owned(),
            code: codes::UNEXPECTED,
            help: None,
        });
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parse { file, errors }
}

/// The fast path: the whole range parses in one go.
fn parse_whole(text: &str, start: usize, end: usize, leading: bool) -> Option<Parse> {
    if nesting_error(text, start, end).is_some() {
        return None;
    }
    let slice = text.get(start..end)?;
    let tree = tollgate_grammar::try_parse(Entry::File, slice)?;
    let mut builder = Builder::new(slice, start);
    let (module_doc, items) = builder.file(&tree.root);
    let mut errors = builder.errors;
    let module_doc = match module_doc {
        Some(doc) if !leading => {
            errors.push(misplaced_module_doc(doc.span));
            None
        }
        other => other,
    };
    let items = items
        .into_iter()
        .map(|item| item.unwrap_or_else(|span| broken_item(text, span, &mut errors)))
        .collect();
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    let comments = tree
        .comments
        .iter()
        .map(|&(s, e)| comment(text, start + s, start + e))
        .collect();
    Some(Parse {
        file: File {
            span: Span::new(start, end),
            module_doc,
            items,
            comments,
        },
        errors,
    })
}

fn misplaced_module_doc(span: Span) -> SyntaxError {
    SyntaxError {
        span,
        message: "module docs `//!` after the first item".to_owned(),
        code: codes::MISPLACED_MODULE_DOC,
        help: Some("move them to the top of the file, or use `///` or `//`".to_owned()),
    }
}

/// Parses the slice `start..end` of `text` alone and appends what it yields.
fn parse_slice(
    text: &str,
    start: usize,
    end: usize,
    first_slice: bool,
    file: &mut File,
    errors: &mut Vec<SyntaxError>,
) {
    let slice = text.get(start..end).unwrap_or_default();
    if let Some(error) = nesting_error(text, start, end) {
        errors.push(error);
        file.items.push(broken_head(text, start, end));
        return;
    }
    match tollgate_grammar::parse(Entry::File, slice) {
        Ok(tree) => {
            let mut builder = Builder::new(slice, start);
            let (module_doc, items) = builder.file(&tree.root);
            errors.append(&mut builder.errors);
            if let Some(doc) = module_doc {
                if first_slice {
                    file.module_doc = Some(doc);
                } else {
                    errors.push(misplaced_module_doc(doc.span));
                }
            }
            for item in items {
                let item = item.unwrap_or_else(|span| broken_item(text, span, errors));
                file.items.push(item);
            }
            file.comments.extend(
                tree.comments
                    .iter()
                    .map(|&(s, e)| comment(text, start + s, start + e)),
            );
        }
        Err(error) => {
            errors.push(syntax_error(text, start, end, &error));
            file.items.push(broken_head(text, start, end));
        }
    }
}

/// Converts a grammar error in the slice starting at `base` to a syntax error.
fn syntax_error(text: &str, base: usize, end: usize, error: &GrammarError) -> SyntaxError {
    let mut offset = base + error.offset;
    if error.too_complex {
        return SyntaxError {
            span: Span::new(offset, offset),
            message: "this item is too complex to parse".to_owned(),
            code: codes::TOO_DEEP,
            help: Some(
                "split it into smaller expressions with `let` clauses or functions".to_owned(),
            ),
        };
    }
    let only_trivia_left = text
        .get(offset..end)
        .unwrap_or_default()
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with("//"));
    let (found, len) = if only_trivia_left && end < text.len() {
        // The item ended early: point just after its last token, not at the next item.
        offset = end_of_code(text, base, offset);
        ("end of item".to_owned(), 0)
    } else {
        found_at(text, offset)
    };
    let expected = match error.expected.as_slice() {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    SyntaxError {
        span: Span::new(offset, offset + len),
        message: format!("expected {expected}, found {found}"),
        code: codes::UNEXPECTED,
        help: None,
    }
}

/// The end of the last line in `base..offset` that holds code (not blank, not only a comment).
fn end_of_code(text: &str, base: usize, offset: usize) -> usize {
    let before = text.get(base..offset).unwrap_or_default();
    let mut line_end = before.len();
    for line in before.rsplit('\n') {
        let line_start = line_end - line.len();
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with("//") {
            return base + line_start + line.trim_end().len();
        }
        line_end = line_start.saturating_sub(1);
    }
    offset
}

/// Describes the input at `offset` ("`mesage`", "end of file") and its length in bytes.
fn found_at(text: &str, offset: usize) -> (String, usize) {
    let rest = text.get(offset..).unwrap_or_default();
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_owned(), 0);
    };
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else if first == '\n' || first == '\r' {
        return ("end of line".to_owned(), 0);
    } else {
        const TWO_CHAR: [&str; 10] = ["==", "!=", "<=", ">=", "->", "??", "?.", "//", "{{", "}}"];
        if TWO_CHAR.iter().any(|op| rest.starts_with(op)) {
            2
        } else {
            first.len_utf8()
        }
    };
    let token = rest.get(..len).unwrap_or_default();
    (format!("`{token}`"), len)
}

/// The item reported for a slice that failed to parse: its head (keyword, name) if readable.
fn broken_head(text: &str, start: usize, end: usize) -> Item {
    let slice = text.get(start..end).unwrap_or_default();
    let span = Span::new(start, start + slice.trim_end().len());
    let mut keyword = None;
    let mut name = None;
    if let Some(tree) = tollgate_grammar::try_parse(Entry::ItemHead, slice) {
        let ident = |node: &Node| Ident {
            span: Span::new(start + node.start, start + node.end),
            name: node.text(slice).to_owned(),
        };
        for child in &tree.root.children {
            match child.kind {
                Kind::item_keyword => keyword = child.children.first().map(ident),
                Kind::path => name = child.children.first().map(ident),
                _ => {}
            }
        }
    }
    Item {
        span,
        doc: None,
        attributes: Vec::new(),
        kind: ItemKind::Broken(BrokenItem {
            span,
            keyword,
            name,
        }),
    }
}

/// A broken item for an item whose nodes lacked a part, with its error.
fn broken_item(text: &str, span: Span, errors: &mut Vec<SyntaxError>) -> Item {
    errors.push(SyntaxError {
        span,
        message: "this item could not be read".to_owned(),
        code: codes::UNEXPECTED,
        help: None,
    });
    broken_head(text, span.start, span.end)
}

fn comment(text: &str, start: usize, end: usize) -> Comment {
    let raw = text.get(start..end).unwrap_or_default();
    let trimmed = raw.trim_end();
    Comment {
        span: Span::new(start, start + trimmed.len()),
        text: trimmed.strip_prefix("//").unwrap_or(trimmed).to_owned(),
    }
}

/// Cuts `text` into chunks of whole items, cheaply and without ever failing: a chunk starts
/// at each line that starts an item in the first column (see [`item_slices`]) outside any
/// bracket, string or comment. The first chunk starts at 0 and holds the module docs and the
/// leading comments. A chunk may hold several items (items on one line, indented items) or
/// none; an unclosed bracket or string runs its chunk to the end of the file, where
/// [`parse_range`] recovers item by item.
pub fn chunks(text: &str) -> Vec<(usize, usize)> {
    let mut scanner = TopLevel::default();
    line_slices(text, 0, text.len(), |line| {
        let top = scanner.at_top_level();
        scanner.scan_line(line.as_bytes());
        top
    })
}

/// Splits `start..end` of `text` at every line that starts an item, brackets or not: the
/// recovery path, for a range that does not parse.
fn item_slices(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    line_slices(text, start, end, |_| true)
}

/// Splits `start..end` of `text` into slices, each starting at a line that starts an item in
/// the first column and for which `may_split` holds: `///` or `@` (which attach to the item
/// keyword line that follows) or an item keyword followed by a space (`//!` after the first
/// item too). `may_split` sees every line, in order. The first slice starts at `start`.
fn line_slices(
    text: &str,
    start: usize,
    end: usize,
    mut may_split: impl FnMut(&str) -> bool,
) -> Vec<(usize, usize)> {
    let mut starts = vec![start];
    let mut header_open = false;
    let mut seen_item = false;
    let mut offset = start;
    for line in text
        .get(start..end)
        .unwrap_or_default()
        .split_inclusive('\n')
    {
        let line_start = offset;
        offset += line.len();
        if !may_split(line) {
            continue;
        }
        // A late `//!` block is reported on the item it precedes, so it heads a slice too.
        let is_header = (line.starts_with("///") && !line.starts_with("////"))
            || line.starts_with('@')
            || (seen_item && line.starts_with("//!"));
        let is_keyword = ITEM_KEYWORDS.iter().any(|kw| {
            line.strip_prefix(kw)
                .is_some_and(|rest| rest.starts_with([' ', '\t', '\n', '\r']) || rest.is_empty())
        });
        if is_header || is_keyword {
            if !header_open && line_start > start {
                starts.push(line_start);
            }
            header_open = is_header;
            seen_item |= is_keyword;
        } else if !line.trim().is_empty() && !line.trim_start().starts_with("//") {
            header_open = false;
        }
    }
    let mut slices = Vec::with_capacity(starts.len());
    for (i, &slice_start) in starts.iter().enumerate() {
        let slice_end = starts.get(i + 1).copied().unwrap_or(end);
        slices.push((slice_start, slice_end));
    }
    slices
}

/// Where a scan of the text stands: inside which brackets, strings and interpolations.
#[derive(Default)]
struct TopLevel {
    /// Open contexts, innermost last: `Some(depth)` for code (brackets open in it), `None` for
    /// the inside of a string. The outermost code context is implicit.
    stack: Vec<Option<usize>>,
    /// Brackets open in the outermost code context.
    depth: usize,
    /// The number of `#` of the raw string being read, if in one.
    raw: Option<usize>,
}

impl TopLevel {
    fn at_top_level(&self) -> bool {
        self.stack.is_empty() && self.depth == 0 && self.raw.is_none()
    }

    /// Advances over one line (bytes: every delimiter is ASCII).
    fn scan_line(&mut self, line: &[u8]) {
        let mut i = 0;
        while let Some(&byte) = line.get(i) {
            let next = line.get(i + 1).copied();
            i += 1;
            if let Some(hashes) = self.raw {
                let closes = byte == b'"'
                    && line
                        .get(i..i + hashes)
                        .is_some_and(|h| h.iter().all(|&b| b == b'#'));
                if closes {
                    i += hashes;
                    self.raw = None;
                }
                continue;
            }
            // Code (the outermost context, or an interpolation's): comments, strings and raw
            // strings start the same way in both.
            if !matches!(self.stack.last(), Some(None)) {
                match byte {
                    b'/' if next == Some(b'/') => return,
                    b'"' => {
                        self.stack.push(None);
                        continue;
                    }
                    b'r' => {
                        if let Some(hashes) = Self::raw_start(line, i - 1) {
                            self.raw = Some(hashes);
                            i += hashes + 1;
                            continue;
                        }
                    }
                    _ => {}
                }
            }
            match self.stack.last_mut() {
                Some(None) => match byte {
                    b'\\' => i += 1,
                    b'"' => {
                        self.stack.pop();
                    }
                    b'{' if next == Some(b'{') => i += 1,
                    b'}' if next == Some(b'}') => i += 1,
                    b'{' => self.stack.push(Some(0)),
                    _ => {}
                },
                Some(Some(depth)) => match byte {
                    b'(' | b'[' | b'{' => *depth += 1,
                    b'}' if *depth == 0 => {
                        // The end of an interpolation: back in the string.
                        self.stack.pop();
                    }
                    b')' | b']' | b'}' => *depth = depth.saturating_sub(1),
                    _ => {}
                },
                None => match byte {
                    b'(' | b'[' | b'{' => self.depth += 1,
                    b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                },
            }
        }
    }

    /// The number of `#` of a raw string starting with the `r` at `at` (`r"`, `r#"`), if one
    /// starts there (an `r` that ends a name does not start one).
    fn raw_start(line: &[u8], at: usize) -> Option<usize> {
        let previous = at.checked_sub(1).and_then(|p| line.get(p));
        if previous.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let rest = line.get(at + 1..)?;
        let hashes = rest.iter().take_while(|&&b| b == b'#').count();
        (rest.get(hashes) == Some(&b'"')).then_some(hashes)
    }
}

/// An error if brackets nest deeper than [`MAX_NESTING`] in `start..end` (strings included: the
/// bound only has to be conservative).
fn nesting_error(text: &str, start: usize, end: usize) -> Option<SyntaxError> {
    let slice = text.get(start..end)?;
    let mut depth = 0usize;
    for (i, byte) in slice.bytes().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(SyntaxError {
                        span: Span::new(start + i, start + i + 1),
                        message: format!("brackets nest more than {MAX_NESTING} levels deep"),
                        code: codes::TOO_DEEP,
                        help: Some(
                            "split the expression with `let` clauses or functions".to_owned(),
                        ),
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}
