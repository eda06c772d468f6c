//! A readable listing of a program, for debugging (`tollgate build --emit asm`): tables first,
//! then every chunk with operands resolved to what they name and the source position of each
//! instruction.

use std::fmt::Write;

use crate::op::Op;
use crate::program::{Chunk, Constant, Program, Span};

impl Program {
    /// The listing.
    pub fn disassemble(&self) -> String {
        let mut out = String::new();
        let _ = self.write_listing(&mut out);
        out
    }

    fn write_listing(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "; tollgate bytecode, format {}", crate::FORMAT_VERSION)?;
        for (index, param) in self.params.iter().enumerate() {
            writeln!(
                out,
                "param {index} {}: {} = {}",
                param.name,
                param.ty,
                show_constant(&param.default)
            )?;
        }
        for secret in &self.secrets {
            writeln!(out, "secret {} = r{:?}", secret.name, secret.regex)?;
        }
        let demand = &self.demand;
        writeln!(out, "demand categories={:?}", demand.categories)?;
        if let Some(ecosystems) = &demand.ecosystems {
            writeln!(out, "demand ecosystems={ecosystems:?}")?;
        }
        if !demand.file_contents.is_empty() {
            writeln!(out, "demand contents={:?}", demand.file_contents)?;
        }
        if !demand.file_hashes.is_empty() {
            writeln!(out, "demand hashes={:?}", demand.file_hashes)?;
        }
        for (index, function) in self.functions.iter().enumerate() {
            writeln!(
                out,
                "\nfn {index} {} (arity {})",
                function.name, function.arity
            )?;
            self.write_chunk(out, &function.chunk)?;
        }
        for rule in &self.rules {
            writeln!(out, "\n{} {}", rule.action, rule.name)?;
            if let Some(id) = &rule.id {
                writeln!(out, "  @id({id:?})")?;
            }
            let bindings: Vec<String> = rule
                .bindings
                .iter()
                .map(|binding| format!("{}=l{}", binding.name, binding.slot))
                .collect();
            if !bindings.is_empty() {
                writeln!(out, "  bindings {}", bindings.join(" "))?;
            }
            self.write_chunk(out, &rule.chunk)?;
        }
        for exception in &self.exceptions {
            writeln!(
                out,
                "\nexcept {} until {:?} because {:?}",
                exception.rule, exception.until, exception.reason
            )?;
            if let Some(predicate) = &exception.predicate {
                self.write_chunk(out, predicate)?;
            }
        }
        Ok(())
    }

    fn write_chunk(&self, out: &mut String, chunk: &Chunk) -> std::fmt::Result {
        writeln!(
            out,
            "  ; locals {} iterators {}",
            chunk.locals, chunk.iterators
        )?;
        for (position, op) in chunk.code.iter().enumerate() {
            let operand = self.describe(*op);
            let span = chunk.spans.get(position).copied().unwrap_or_default();
            let text = format!("{op:?}");
            writeln!(
                out,
                "  {position:>4}  {text:<32} {operand:<40} {}",
                self.show_span(span)
            )?;
        }
        Ok(())
    }

    fn describe(&self, op: Op) -> String {
        match op {
            Op::Const(index) => self
                .constants
                .get(index as usize)
                .map(show_constant)
                .unwrap_or_else(|| "?".to_string()),
            Op::Field(index) | Op::OptField(index) | Op::Lookup(index) | Op::LookupIn(index) => {
                self.fields
                    .get(index as usize)
                    .map(|field| format!("{}.{}", field.record, field.field))
                    .unwrap_or_else(|| "?".to_string())
            }
            Op::Matches(index) | Op::Glob(index) => self
                .patterns
                .get(index as usize)
                .map(|pattern| format!("{:?}", pattern.source))
                .unwrap_or_default(),
            Op::Call { builtin, .. } => self
                .builtins
                .get(builtin as usize)
                .cloned()
                .unwrap_or_default(),
            Op::CallFn(index) => self
                .functions
                .get(index as usize)
                .map(|function| function.name.clone())
                .unwrap_or_default(),
            Op::Param(index) => self
                .params
                .get(index as usize)
                .map(|param| param.name.clone())
                .unwrap_or_default(),
            Op::Probe(index) => self
                .probes
                .get(index as usize)
                .map(|probe| format!("{} of {}", probe.kind.as_str(), probe.rule))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn show_span(&self, span: Span) -> String {
        let file = self
            .files
            .get(span.file as usize)
            .map(String::as_str)
            .unwrap_or("?");
        format!("; {file}@{}..{}", span.start, span.end)
    }
}

/// A constant as the language would write it.
pub fn show_constant(constant: &Constant) -> String {
    let list = |items: &[Constant]| {
        items
            .iter()
            .map(show_constant)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match constant {
        Constant::None => "none".to_string(),
        Constant::Bool(value) => value.to_string(),
        Constant::Int(value) => value.to_string(),
        Constant::Float(value) => format!("{value:?}"),
        Constant::String(text) | Constant::Version(text) => format!("{text:?}"),
        Constant::Enum { ty, variant } => format!("{ty}.{variant}"),
        Constant::Date(text) | Constant::Time(text) => text.clone(),
        Constant::Duration(seconds) => format!("{seconds}s"),
        Constant::List(items) => format!("[{}]", list(items)),
        Constant::Set(items) => format!("{{{}}}", list(items)),
        Constant::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(key, value)| format!("{}: {}", show_constant(key), show_constant(value)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}
