//! Byte offsets <-> line/column positions with UTF-16 columns, as LSP counts them.

/// The line starts of a text, to convert between byte offsets and (line, UTF-16 column).
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            text: text.to_string(),
            line_starts,
        }
    }

    /// The (0-based line, UTF-16 column) of a byte offset (clamped to the text, and to a
    /// character boundary).
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column: usize = self
            .text
            .get(start..)
            .unwrap_or("")
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .map(|(_, c)| c.len_utf16())
            .sum();
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// The byte offset of a (0-based line, UTF-16 column); columns past the end of the line
    /// clamp to its end, lines past the end to the end of the text.
    pub fn offset(&self, line: u32, column: u32) -> usize {
        let Some(start) = self.line_starts.get(line as usize).copied() else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in rest.char_indices() {
            if units >= column as usize || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        self.text.len()
    }

    /// The text indexed.
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs_and_multibyte_chars() {
        // `é` is 2 bytes and 1 UTF-16 unit; `𝄞` is 4 bytes and 2 UTF-16 units.
        let text = "ab\n\"é𝄞\" x\n";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(x), (1, 6));
        assert_eq!(index.offset(1, 6), x);
        assert_eq!(index.position(0), (0, 0));
        assert_eq!(index.offset(0, 99), 2);
        assert_eq!(index.offset(9, 0), text.len());
        assert_eq!(index.position(text.len()), (2, 0));
    }
}
