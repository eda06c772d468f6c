//! Condition coverage: which outcomes each probed condition had over any number of
//! evaluations.
//!
//! A program lowered for coverage carries a probe table (`Program::probes`) and an
//! `Op::Probe(n)` after each `where`/`when`/`unless` clause of a rule and each exception's
//! `where`. When [`crate::EvalOptions::coverage`] holds a recorder, the interpreter hands each
//! probe the condition's value; without one, or in a program lowered without probes, nothing is
//! recorded and nothing is paid: ordinary programs contain no probe instruction at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tollgate_bytecode::Program;

use crate::value::Value;

/// Bit set when a condition was seen true.
const SEEN_TRUE: u8 = 1;
/// Bit set when a condition was seen false.
const SEEN_FALSE: u8 = 2;

/// The outcomes one condition had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConditionOutcomes {
    /// Seen evaluating to true at least once.
    pub seen_true: bool,
    /// Seen evaluating to false at least once.
    pub seen_false: bool,
}

/// Records the outcomes of a program's probes. Clones share one table, so a recorder put in
/// [`crate::EvalOptions`] accumulates over every evaluation made with those options (and is
/// safe to share between threads).
#[derive(Debug, Clone, Default)]
pub struct CoverageRecorder {
    outcomes: Arc<[AtomicU8]>,
}

impl CoverageRecorder {
    /// A recorder for `program`'s probes, none seen yet.
    pub fn new(program: &Program) -> CoverageRecorder {
        CoverageRecorder {
            outcomes: program.probes.iter().map(|_| AtomicU8::new(0)).collect(),
        }
    }

    /// The outcomes of probe `probe` so far (none for a probe out of range).
    pub fn outcomes(&self, probe: usize) -> ConditionOutcomes {
        let bits = self
            .outcomes
            .get(probe)
            .map_or(0, |cell| cell.load(Ordering::Relaxed));
        ConditionOutcomes {
            seen_true: bits & SEEN_TRUE != 0,
            seen_false: bits & SEEN_FALSE != 0,
        }
    }

    /// The outcomes of every probe, in probe table order.
    pub fn snapshot(&self) -> Vec<ConditionOutcomes> {
        (0..self.outcomes.len())
            .map(|probe| self.outcomes(probe))
            .collect()
    }

    /// Notes that probe `probe` saw `value`; a value that is not a bool (a malformed program)
    /// and a probe out of range are ignored.
    pub(crate) fn record(&self, probe: u32, value: Option<&Value<'_>>) {
        let bit = match value {
            Some(Value::Bool(true)) => SEEN_TRUE,
            Some(Value::Bool(false)) => SEEN_FALSE,
            _ => return,
        };
        if let Some(cell) = self.outcomes.get(probe as usize) {
            cell.fetch_or(bit, Ordering::Relaxed);
        }
    }
}

/// The interpreter's hook for `Probe`: records into the evaluation's recorder, if any.
pub(crate) fn probe(recorder: Option<&CoverageRecorder>, probe: u32, value: Option<&Value<'_>>) {
    if let Some(recorder) = recorder {
        recorder.record(probe, value);
    }
}
