//! The Tollgate bytecode format: instructions, constant pool, program serialization and
//! disassembly. The compiler produces a [`Program`]; the VM links and runs it. This crate
//! depends on neither, so a compiled bundle runs without the compiler and the compiler never
//! sees the facts model: fields, builtins and enums are referred to by name and resolved when
//! the VM links the program. The format is documented in `docs/bytecode.md`.

mod builder;
mod disasm;
mod op;
mod program;
mod serial;

pub use builder::{ChunkBuilder, JumpKind, Label, UnplacedLabel};
pub use disasm::show_constant;
pub use op::Op;
pub use program::{
    Action, Attribute, Binding, Chunk, Constant, Demand, EnumDecl, Exception, FieldRef, Function,
    Param, Pattern, PatternKind, Probe, ProbeKind, Program, Rule, SecretPattern, Span, Type,
};
pub use serial::{FORMAT_VERSION, FormatError, MAGIC};
