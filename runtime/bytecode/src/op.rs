//! The instruction set: a stack machine whose operands are indices into the program's tables
//! (constants, patterns, field references, builtin names, functions) or into the current
//! frame's local and iterator slots. Jump targets are instruction indices within the chunk.

use serde::{Deserialize, Serialize};

/// One instruction. Stack effects are written `before -- after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `-- value`: pushes constant `n`.
    Const(u32),
    /// `-- value`: pushes local slot `n`.
    Local(u16),
    /// `value --`: stores into local slot `n`.
    SetLocal(u16),
    /// `-- value`: pushes param slot `n` (its default or its override).
    Param(u16),
    /// `-- image`: pushes the facts root.
    Image,
    /// `value --`.
    Pop,
    /// `value -- value value`.
    Dup,
    /// `record -- value`: reads field reference `n` (resolved to an accessor at link time).
    /// A `none` record is a runtime error.
    Field(u32),
    /// `record? -- value?`: like `Field`, but `none` stays `none` (`?.`).
    OptField(u32),
    /// `collection key -- value`: list element by position, map value by key (`none` when absent).
    Index,
    /// `a b -- bool`.
    Eq,
    /// `a b -- bool`.
    Ne,
    /// `a b -- bool`.
    Lt,
    /// `a b -- bool`.
    Le,
    /// `a b -- bool`.
    Gt,
    /// `a b -- bool`.
    Ge,
    /// `a b -- a+b`: numbers, string concatenation, list concatenation, time + duration.
    Add,
    /// `a b -- a-b`: numbers, time - time, time - duration, date - date.
    Sub,
    /// `a b -- a*b`.
    Mul,
    /// `a b -- a/b`; division by zero is a runtime error.
    Div,
    /// `a b -- a%b`.
    Rem,
    /// `a -- -a`.
    Neg,
    /// `bool -- bool`.
    Not,
    /// `element collection -- bool`: membership in a list, set or map keys; substring for strings.
    In,
    /// `string -- bool`: whether pattern `n` (a regex) matches.
    Matches(u32),
    /// `string -- bool`: whether pattern `n` (a shell glob) matches the whole string.
    Glob(u32),
    /// Jumps to instruction `n`.
    Jump(u32),
    /// `bool --`: jumps to `n` when false.
    JumpIfFalse(u32),
    /// `bool --`: jumps to `n` when true.
    JumpIfTrue(u32),
    /// `value -- value` (jumps to `n`, keeping it) when not `none`; else `value --`.
    JumpIfSome(u32),
    /// `v1 .. vn -- list`.
    MakeList(u32),
    /// `v1 .. vn -- set`.
    MakeSet(u32),
    /// `k1 v1 .. kn vn -- map`.
    MakeMap(u32),
    /// `v1 .. vn -- string`: string interpolation; each value is formatted for messages.
    Concat(u32),
    /// `a1 .. an -- result`: calls the builtin named by builtin table entry `builtin`.
    Call {
        /// Index into the program's builtin names.
        builtin: u32,
        /// Number of arguments.
        argc: u8,
    },
    /// `a1 .. an -- result`: calls user function `n` (its arity is the function's).
    CallFn(u32),
    /// `collection --`: starts iterating; the iterator lives in iterator slot `n`.
    Iter(u16),
    /// Advances iterator slot `iter`: stores the next element in local `local`, or jumps to
    /// `end` when the collection is exhausted.
    Next {
        /// Iterator slot.
        iter: u16,
        /// Local slot receiving the element.
        local: u16,
        /// Jump target when exhausted.
        end: u32,
    },
    /// `collection key -- collection`: the elements whose field `n` equals `key`, through a
    /// hash index over that collection built once per evaluation (equality filters and joins).
    Lookup(u32),
    /// `collection keys -- collection`: the elements whose field `n` is in `keys`, through the
    /// same index (membership filters).
    LookupIn(u32),
    /// `value --`: appends to the list in local slot `n` (comprehensions).
    Append(u16),
    /// `value --`: inserts into the set in local slot `n` (set comprehensions).
    Insert(u16),
    /// `value --`: local `n` becomes the smaller of itself and the value (`none` is empty).
    Min(u16),
    /// `value --`: local `n` becomes the larger of itself and the value (`none` is empty).
    Max(u16),
    /// `message --`: records a finding of the current rule with the current bindings.
    Emit,
    /// `value --`: ends the chunk; a function's or predicate's result is the value.
    Return,
    /// `bool -- bool`: condition coverage probe `n` (an index into [`crate::Program::probes`])
    /// sees the clause's outcome on top of the stack and leaves it there. Only programs lowered
    /// for coverage contain probes, so ordinary programs never pay for them.
    Probe(u32),
}

impl Op {
    /// The jump target of a control-flow instruction, for the disassembler and the verifier.
    pub fn jump_target(self) -> Option<u32> {
        match self {
            Op::Jump(target)
            | Op::JumpIfFalse(target)
            | Op::JumpIfTrue(target)
            | Op::JumpIfSome(target)
            | Op::Next { end: target, .. } => Some(target),
            _ => None,
        }
    }
}
