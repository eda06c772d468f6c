//! The Tollgate virtual machine: evaluates compiled programs over image facts.
//!
//! [`Vm::link`] checks a [`tollgate_bytecode::Program`] against this VM and resolves its names
//! (fields to accessors, builtins, enums) and patterns once; [`evaluate`] runs every rule of the
//! linked program over one [`tollgate_facts::Image`], applies exceptions and gives the findings
//! and the verdict. Evaluation is bounded: an instruction budget, a cap on findings and a cap on
//! built collections end a runaway policy with a typed [`VmError`], never a hang or a panic.

mod access;
mod builtins;
mod coverage;
mod eval;
mod exec;
mod link;
mod lookup;
mod param;
mod value;

pub use builtins::Builtin;
pub use coverage::{ConditionOutcomes, CoverageRecorder};
pub use eval::{
    EvalOptions, Evaluation, Finding, Location, SourceSpan, Suppression, Verdict, VmError,
    evaluate, verdict,
};
pub use link::{LinkError, Linked, Vm};
pub use param::parse_param;
