//! Building a chunk with forward jumps: labels are placed after the jumps that target them,
//! and `finish` patches every jump. Used by the compiler's lowering and by tests.

use crate::op::Op;
use crate::program::{Chunk, Span};

/// A jump target not yet placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

/// The kinds of jump that take a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JumpKind {
    /// `Jump`.
    Always,
    /// `JumpIfFalse`.
    IfFalse,
    /// `JumpIfTrue`.
    IfTrue,
    /// `JumpIfSome`.
    IfSome,
}

/// A label was used but never placed: a code generator bug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("jump at instruction {instruction} targets a label that was never placed")]
pub struct UnplacedLabel {
    /// The jump's position.
    pub instruction: usize,
}

/// Accumulates one chunk.
#[derive(Debug, Default)]
pub struct ChunkBuilder {
    chunk: Chunk,
    labels: Vec<Option<u32>>,
    fixups: Vec<(usize, Label)>,
    span: Span,
}

impl ChunkBuilder {
    /// An empty chunk whose first `reserved_locals` slots are taken (arguments, bindings).
    pub fn new(reserved_locals: u16) -> ChunkBuilder {
        ChunkBuilder {
            chunk: Chunk {
                locals: reserved_locals,
                ..Chunk::default()
            },
            ..ChunkBuilder::default()
        }
    }

    /// The span recorded for the instructions emitted from now on.
    pub fn set_span(&mut self, span: Span) {
        self.span = span;
    }

    /// The span recorded for the next instruction.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Appends an instruction; returns its position.
    pub fn emit(&mut self, op: Op) -> usize {
        self.chunk.code.push(op);
        self.chunk.spans.push(self.span);
        self.chunk.code.len() - 1
    }

    /// The position the next instruction will have.
    pub fn position(&self) -> u32 {
        u32::try_from(self.chunk.code.len()).unwrap_or(u32::MAX)
    }

    /// A new, unplaced label.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Places `label` at the next instruction.
    pub fn place(&mut self, label: Label) {
        let here = self.position();
        if let Some(slot) = self.labels.get_mut(label.0) {
            *slot = Some(here);
        }
    }

    /// Emits a jump of `kind` to `label`.
    pub fn jump(&mut self, kind: JumpKind, label: Label) {
        let op = match kind {
            JumpKind::Always => Op::Jump(0),
            JumpKind::IfFalse => Op::JumpIfFalse(0),
            JumpKind::IfTrue => Op::JumpIfTrue(0),
            JumpKind::IfSome => Op::JumpIfSome(0),
        };
        let at = self.emit(op);
        self.fixups.push((at, label));
    }

    /// Emits `Next` on iterator slot `iter` into local `local`, jumping to `end` when done.
    pub fn next(&mut self, iter: u16, local: u16, end: Label) {
        let at = self.emit(Op::Next {
            iter,
            local,
            end: 0,
        });
        self.fixups.push((at, end));
    }

    /// A fresh local slot.
    pub fn local(&mut self) -> u16 {
        self.chunk.locals = self.chunk.locals.saturating_add(1);
        self.chunk.locals - 1
    }

    /// A fresh iterator slot.
    pub fn iterator(&mut self) -> u16 {
        self.chunk.iterators = self.chunk.iterators.saturating_add(1);
        self.chunk.iterators - 1
    }

    /// The chunk, with every jump patched.
    pub fn finish(mut self) -> Result<Chunk, UnplacedLabel> {
        for (instruction, label) in self.fixups {
            let target = self
                .labels
                .get(label.0)
                .copied()
                .flatten()
                .ok_or(UnplacedLabel { instruction })?;
            if let Some(op) = self.chunk.code.get_mut(instruction) {
                *op = match *op {
                    Op::Jump(_) => Op::Jump(target),
                    Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
                    Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
                    Op::JumpIfSome(_) => Op::JumpIfSome(target),
                    Op::Next { iter, local, .. } => Op::Next {
                        iter,
                        local,
                        end: target,
                    },
                    other => other,
                };
            }
        }
        Ok(self.chunk)
    }
}
