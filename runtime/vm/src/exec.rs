//! The interpreter: runs linked chunks over the facts with an instruction budget, a cap on
//! built collections, and lazily built hash indexes for `Lookup`/`LookupIn` (equality and
//! membership filters, and joins) shared by every rule of one evaluation.

use std::collections::HashMap;
use std::rc::Rc;

use tollgate_facts::{Ecosystem, Image, Timestamp};

use crate::builtins;
use crate::link::{LChunk, LConst, LOp, Linked, Matcher};
use crate::lookup::{Lookups, field};
use crate::value::{
    EnumValue, Rec, Str, Value, contains, display, equal, into_set, order, total_cmp,
};

/// Calls nested deeper than this are refused (the compiler rejects recursion; a hostile
/// bundle must still not overflow the stack).
const MAX_DEPTH: u32 = 64;

/// What stopped a chunk, before it is given its rule and span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    Message(String),
    Budget,
    CollectionTooLarge,
    TooManyResults,
}

impl From<String> for Fault {
    fn from(message: String) -> Fault {
        Fault::Message(message)
    }
}

/// The satisfying bindings of the rule being evaluated, kept until the rule finishes: one
/// message per finding, and the bindings of all of them in one array (finding `n`'s are
/// `bindings[n * width..(n + 1) * width]`, `width` being the rule's number of bindings), so a
/// finding costs no vector of its own.
#[derive(Debug, Default)]
pub(crate) struct Emissions<'a> {
    pub(crate) messages: Vec<String>,
    pub(crate) bindings: Vec<Value<'a>>,
}

/// One call's locals and iterators.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub(crate) locals: Vec<Value<'a>>,
    iterators: Vec<(Value<'a>, usize)>,
}

impl<'a> Frame<'a> {
    pub(crate) fn new(chunk: &LChunk, mut arguments: Vec<Value<'a>>) -> Frame<'a> {
        arguments.resize(usize::from(chunk.locals).max(arguments.len()), Value::None);
        Frame {
            locals: arguments,
            iterators: vec![(Value::None, 0); usize::from(chunk.iterators)],
        }
    }
}

/// The state of one evaluation.
pub(crate) struct Machine<'a> {
    pub(crate) linked: &'a Linked,
    pub(crate) image: &'a Image,
    pub(crate) now: Timestamp,
    constants: Vec<Value<'a>>,
    params: Vec<Value<'a>>,
    pub(crate) fuel: u64,
    pub(crate) max_collection: usize,
    pub(crate) max_results: usize,
    pub(crate) emitted: usize,
    pub(crate) emissions: Emissions<'a>,
    /// The binding slots of the rule being evaluated.
    pub(crate) binding_slots: Vec<u16>,
    pub(crate) lookups: Lookups<'a>,
    pub(crate) dynamic_patterns: HashMap<(bool, String), Option<Rc<Matcher>>>,
    pub(crate) files_by_path: Option<HashMap<&'a str, usize>>,
    stack: Vec<Value<'a>>,
    depth: u32,
    /// Where `Probe` instructions record clause outcomes (`tollgate test --coverage`).
    pub(crate) coverage: Option<crate::coverage::CoverageRecorder>,
}

/// A constant as a value, borrowing its strings.
pub(crate) fn constant_value(constant: &LConst) -> Value<'_> {
    match constant {
        LConst::None => Value::None,
        LConst::Bool(flag) => Value::Bool(*flag),
        LConst::Int(number) => Value::Int(*number),
        LConst::Float(number) => Value::Float(*number),
        LConst::Str(text) => Value::str(text),
        LConst::Version(text) => Value::Version(Str::Borrowed(text), Ecosystem::Unknown),
        LConst::Enum(ty, variant) => Value::Enum(EnumValue {
            ty: *ty,
            variant: *variant,
        }),
        LConst::Date(date) => Value::Date(*date),
        LConst::Time(time) => Value::Time(*time),
        LConst::Duration(seconds) => Value::Duration(*seconds),
        LConst::List(items) => Value::List(Rc::new(items.iter().map(constant_value).collect())),
        LConst::Set(items) => Value::Set(Rc::new(into_set(
            items.iter().map(constant_value).collect(),
        ))),
        LConst::Map(entries) => {
            let mut entries: Vec<(Value<'_>, Value<'_>)> = entries
                .iter()
                .map(|(key, value)| (constant_value(key), constant_value(value)))
                .collect();
            entries.sort_by(|(x, _), (y, _)| total_cmp(x, y));
            entries.dedup_by(|(x, _), (y, _)| total_cmp(x, y).is_eq());
            Value::Map(Rc::new(entries))
        }
    }
}

impl<'a> Machine<'a> {
    pub(crate) fn new(
        linked: &'a Linked,
        image: &'a Image,
        params: &'a [LConst],
        now: Timestamp,
    ) -> Machine<'a> {
        let constants: Vec<Value<'a>> = linked.constants.iter().map(constant_value).collect();
        Machine {
            linked,
            image,
            now,
            lookups: Lookups::new(&linked.constant_keys, &linked.join_fields, &constants),
            constants,
            params: params.iter().map(constant_value).collect(),
            fuel: 0,
            max_collection: 0,
            max_results: 0,
            emitted: 0,
            emissions: Emissions::default(),
            binding_slots: Vec::new(),
            dynamic_patterns: HashMap::new(),
            files_by_path: None,
            stack: Vec::with_capacity(256),
            depth: 0,
            coverage: None,
        }
    }

    fn pop(&mut self) -> Result<Value<'a>, Fault> {
        self.stack
            .pop()
            .ok_or_else(|| Fault::Message("malformed bytecode: stack underflow".to_string()))
    }

    fn pop_bool(&mut self) -> Result<bool, Fault> {
        match self.pop()? {
            Value::Bool(flag) => Ok(flag),
            other => Err(Fault::Message(format!(
                "expected a bool, found {}",
                other.kind()
            ))),
        }
    }

    fn pop_many(&mut self, count: usize) -> Result<Vec<Value<'a>>, Fault> {
        let at = self
            .stack
            .len()
            .checked_sub(count)
            .ok_or_else(|| Fault::Message("malformed bytecode: stack underflow".to_string()))?;
        Ok(self.stack.split_off(at))
    }

    /// Runs a chunk to its `Return` (or its end) and gives the returned value. On a fault,
    /// also gives the position of the instruction that faulted.
    pub(crate) fn run(
        &mut self,
        chunk: &'a LChunk,
        frame: &mut Frame<'a>,
    ) -> Result<Value<'a>, (Fault, usize)> {
        let base = self.stack.len();
        let mut pc = 0usize;
        let result = self.run_from(chunk, frame, &mut pc);
        if result.is_err() {
            self.stack.truncate(base);
        }
        result.map_err(|fault| (fault, pc.saturating_sub(1)))
    }

    fn run_from(
        &mut self,
        chunk: &'a LChunk,
        frame: &mut Frame<'a>,
        pc: &mut usize,
    ) -> Result<Value<'a>, Fault> {
        let base = self.stack.len();
        let code = chunk.code.as_slice();
        while let Some(op) = code.get(*pc) {
            *pc += 1;
            if self.fuel == 0 {
                return Err(Fault::Budget);
            }
            self.fuel -= 1;
            match *op {
                LOp::Const(index) => {
                    let value = self
                        .constants
                        .get(index as usize)
                        .cloned()
                        .unwrap_or(Value::None);
                    self.stack.push(value);
                }
                LOp::Local(slot) => {
                    let value = frame
                        .locals
                        .get(usize::from(slot))
                        .cloned()
                        .unwrap_or(Value::None);
                    self.stack.push(value);
                }
                LOp::SetLocal(slot) => {
                    let value = self.pop()?;
                    if let Some(local) = frame.locals.get_mut(usize::from(slot)) {
                        *local = value;
                    }
                }
                LOp::Param(slot) => {
                    let value = self
                        .params
                        .get(usize::from(slot))
                        .cloned()
                        .unwrap_or(Value::None);
                    self.stack.push(value);
                }
                LOp::Image => self.stack.push(Value::Rec(Rec::Image(self.image))),
                LOp::Pop => {
                    self.pop()?;
                }
                LOp::Dup => {
                    let value = self.stack.last().cloned().unwrap_or(Value::None);
                    self.stack.push(value);
                }
                LOp::Field(accessor) => {
                    let value = field_of(&self.pop()?, accessor)?;
                    self.stack.push(value);
                }
                LOp::OptField(accessor) => {
                    let value = match self.pop()? {
                        Value::Rec(rec) => field(rec, accessor)?,
                        _ => Value::None,
                    };
                    self.stack.push(value);
                }
                LOp::Index => {
                    let key = self.pop()?;
                    let collection = self.pop()?;
                    let value = index(&collection, &key)?;
                    self.stack.push(value);
                }
                LOp::Eq | LOp::Ne => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let same = equal(&a, &b).ok_or_else(|| cannot("compare", &a, &b))?;
                    self.stack.push(Value::Bool(same == matches!(op, LOp::Eq)));
                }
                LOp::Lt | LOp::Le | LOp::Gt | LOp::Ge => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    if matches!(a, Value::None) || matches!(b, Value::None) {
                        // An ordering with `none` on either side is false.
                        self.stack.push(Value::Bool(false));
                        continue;
                    }
                    let ordering = order(&a, &b).ok_or_else(|| cannot("order", &a, &b))?;
                    let result = match op {
                        LOp::Lt => ordering.is_lt(),
                        LOp::Le => ordering.is_le(),
                        LOp::Gt => ordering.is_gt(),
                        _ => ordering.is_ge(),
                    };
                    self.stack.push(Value::Bool(result));
                }
                LOp::Add | LOp::Sub | LOp::Mul | LOp::Div | LOp::Rem => {
                    let b = self.pop()?;
                    let a = self.pop()?;
                    let value = arithmetic(*op, a, b, self.max_collection)?;
                    self.stack.push(value);
                }
                LOp::Neg => {
                    let value = match self.pop()? {
                        Value::Int(number) => Value::Int(
                            number
                                .checked_neg()
                                .ok_or_else(|| "integer overflow".to_string())?,
                        ),
                        Value::Float(number) => Value::Float(-number),
                        Value::Duration(seconds) => Value::Duration(seconds.saturating_neg()),
                        other => {
                            return Err(Fault::Message(format!("cannot negate {}", other.kind())));
                        }
                    };
                    self.stack.push(value);
                }
                LOp::Not => {
                    let flag = self.pop_bool()?;
                    self.stack.push(Value::Bool(!flag));
                }
                LOp::In => {
                    let collection = self.pop()?;
                    let element = self.pop()?;
                    let found = contains(&collection, &element)
                        .ok_or_else(|| cannot("look for", &element, &collection))?;
                    self.stack.push(Value::Bool(found));
                }
                LOp::Matches(pattern) | LOp::Glob(pattern) => {
                    let subject = self.pop()?;
                    let matched = match (&subject, self.linked.patterns.get(pattern as usize)) {
                        (Value::Str(text) | Value::Version(text, _), Some(matcher)) => {
                            matcher.is_match(text.as_str())
                        }
                        _ => false,
                    };
                    self.stack.push(Value::Bool(matched));
                }
                LOp::Jump(target) => *pc = target as usize,
                LOp::JumpIfFalse(target) => {
                    if !self.pop_bool()? {
                        *pc = target as usize;
                    }
                }
                LOp::JumpIfTrue(target) => {
                    if self.pop_bool()? {
                        *pc = target as usize;
                    }
                }
                LOp::JumpIfSome(target) => {
                    if matches!(self.stack.last(), Some(Value::None) | None) {
                        self.pop()?;
                    } else {
                        *pc = target as usize;
                    }
                }
                LOp::MakeList(count) => {
                    let items = self.pop_many(count as usize)?;
                    self.stack.push(Value::List(Rc::new(items)));
                }
                LOp::MakeSet(count) => {
                    let items = self.pop_many(count as usize)?;
                    self.stack.push(Value::Set(Rc::new(into_set(items))));
                }
                LOp::MakeMap(count) => {
                    let flat = self.pop_many((count as usize).saturating_mul(2))?;
                    let mut entries = Vec::with_capacity(count as usize);
                    let mut items = flat.into_iter();
                    while let (Some(key), Some(value)) = (items.next(), items.next()) {
                        entries.push((key, value));
                    }
                    entries.sort_by(|(x, _), (y, _)| total_cmp(x, y));
                    entries.dedup_by(|(x, _), (y, _)| total_cmp(x, y).is_eq());
                    self.stack.push(Value::Map(Rc::new(entries)));
                }
                LOp::Concat(count) => {
                    let text = self.concat(count)?;
                    self.stack.push(Value::string(text));
                }
                LOp::Call(builtin, argc) => {
                    let arguments = self.pop_many(usize::from(argc))?;
                    let value = builtins::call(self, builtin, arguments)?;
                    self.stack.push(value);
                }
                LOp::CallFn(function) => {
                    let value = self.call_function(function)?;
                    self.stack.push(value);
                }
                LOp::Iter(slot) => {
                    let collection = match self.pop()? {
                        Value::StrMap(map) => {
                            Value::List(Rc::new(map.keys().map(|key| Value::str(key)).collect()))
                        }
                        Value::Map(entries) => Value::List(Rc::new(
                            entries.iter().map(|(key, _)| key.clone()).collect(),
                        )),
                        Value::None => Value::List(Rc::new(Vec::new())),
                        other if other.collection_len().is_some() => other,
                        other => {
                            return Err(Fault::Message(format!(
                                "cannot iterate over {}",
                                other.kind()
                            )));
                        }
                    };
                    if let Some(iterator) = frame.iterators.get_mut(usize::from(slot)) {
                        *iterator = (collection, 0);
                    }
                }
                LOp::Next { iter, local, end } => {
                    let next = match frame.iterators.get_mut(usize::from(iter)) {
                        Some((collection, position)) => {
                            let element = collection.element(*position);
                            *position += 1;
                            element
                        }
                        None => None,
                    };
                    match next {
                        Some(element) => {
                            if let Some(slot) = frame.locals.get_mut(usize::from(local)) {
                                *slot = element;
                            }
                        }
                        None => *pc = end as usize,
                    }
                }
                LOp::Lookup(accessor) => {
                    let key = self.pop()?;
                    let collection = self.pop()?;
                    let value = self.lookup(&collection, accessor, std::slice::from_ref(&key))?;
                    self.stack.push(value);
                }
                LOp::LookupIn(accessor) => {
                    let keys = self.pop()?;
                    let collection = self.pop()?;
                    let keys = keys
                        .elements()
                        .ok_or_else(|| format!("cannot look up by {}", keys.kind()))?;
                    let value = self.lookup(&collection, accessor, &keys)?;
                    self.stack.push(value);
                }
                LOp::Append(slot) | LOp::Insert(slot) => {
                    let value = self.pop()?;
                    let limit = self.max_collection;
                    let Some(local) = frame.locals.get_mut(usize::from(slot)) else {
                        continue;
                    };
                    match local {
                        Value::List(items) if matches!(op, LOp::Append(_)) => {
                            Rc::make_mut(items).push(value)
                        }
                        Value::Set(items) => {
                            let items = Rc::make_mut(items);
                            if let Err(at) = items.binary_search_by(|item| total_cmp(item, &value))
                            {
                                items.insert(at, value);
                            }
                        }
                        other => {
                            return Err(Fault::Message(format!(
                                "cannot add an element to {}",
                                other.kind()
                            )));
                        }
                    }
                    if local.collection_len().unwrap_or(0) > limit {
                        return Err(Fault::CollectionTooLarge);
                    }
                }
                LOp::Min(slot) | LOp::Max(slot) => {
                    let value = self.pop()?;
                    let Some(local) = frame.locals.get_mut(usize::from(slot)) else {
                        continue;
                    };
                    let replace = match &*local {
                        Value::None => true,
                        current => {
                            let ordering = order(&value, current)
                                .ok_or_else(|| cannot("order", &value, current))?;
                            if matches!(op, LOp::Min(_)) {
                                ordering.is_lt()
                            } else {
                                ordering.is_gt()
                            }
                        }
                    };
                    if replace {
                        *local = value;
                    }
                }
                LOp::Emit => {
                    let message = match self.pop()? {
                        Value::Str(text) => text.as_str().to_string(),
                        other => {
                            let mut text = String::new();
                            display(&other, &self.linked.enums, &mut text);
                            text
                        }
                    };
                    self.emit(frame, message)?;
                }
                LOp::ConcatEmit(count) => {
                    // `Concat(count); Emit`, formatting the message straight into the finding's
                    // string; the `Emit` after it is skipped.
                    *pc += 1;
                    self.fuel = self.fuel.saturating_sub(1);
                    let message = self.concat(count)?;
                    self.emit(frame, message)?;
                }
                LOp::LocalField(slot, accessor) => {
                    // `Local(slot); Field(accessor)`; the `Field` after it is skipped (and a
                    // fault is reported at it).
                    *pc += 1;
                    self.fuel = self.fuel.saturating_sub(1);
                    let local = frame.locals.get(usize::from(slot)).unwrap_or(&Value::None);
                    let value = field_of(local, accessor)?;
                    self.stack.push(value);
                }
                LOp::Return => {
                    let value = if self.stack.len() > base {
                        self.pop()?
                    } else {
                        Value::None
                    };
                    self.stack.truncate(base);
                    return Ok(value);
                }
                LOp::Probe(probe) => {
                    crate::coverage::probe(self.coverage.as_ref(), probe, self.stack.last());
                }
            }
        }
        self.stack.truncate(base);
        Ok(Value::None)
    }

    /// Pops `count` values and formats them as one string, as messages print them: in place on
    /// the stack, with no vector of parts.
    fn concat(&mut self, count: u32) -> Result<String, Fault> {
        let at = self
            .stack
            .len()
            .checked_sub(count as usize)
            .ok_or_else(|| Fault::Message("malformed bytecode: stack underflow".to_string()))?;
        let mut text = String::with_capacity(64);
        for part in self.stack.get(at..).unwrap_or(&[]) {
            display(part, &self.linked.enums, &mut text);
        }
        self.stack.truncate(at);
        Ok(text)
    }

    /// Records a finding of the current rule with the current bindings.
    fn emit(&mut self, frame: &Frame<'a>, message: String) -> Result<(), Fault> {
        self.emitted += 1;
        if self.emitted > self.max_results {
            return Err(Fault::TooManyResults);
        }
        let locals = &frame.locals;
        self.emissions
            .bindings
            .extend(self.binding_slots.iter().map(|slot| {
                locals
                    .get(usize::from(*slot))
                    .cloned()
                    .unwrap_or(Value::None)
            }));
        self.emissions.messages.push(message);
        Ok(())
    }

    fn call_function(&mut self, function: u32) -> Result<Value<'a>, Fault> {
        let linked = self.linked;
        let (Some(chunk), Some(declared)) = (
            linked.functions.get(function as usize),
            linked.program.functions.get(function as usize),
        ) else {
            return Err(Fault::Message(format!("function {function} out of range")));
        };
        let arguments = self.pop_many(usize::from(declared.arity))?;
        if self.depth >= MAX_DEPTH {
            return Err(Fault::Message(format!(
                "calls nested deeper than {MAX_DEPTH}"
            )));
        }
        self.depth += 1;
        let mut frame = Frame::new(chunk, arguments);
        let saved = std::mem::take(&mut self.binding_slots);
        let result = self.run(chunk, &mut frame);
        self.binding_slots = saved;
        self.depth -= 1;
        result.map_err(|(fault, _)| match fault {
            Fault::Message(message) => Fault::Message(format!("in `{}`: {message}", declared.name)),
            other => other,
        })
    }
}

/// `record.field`: a field of a record; of `none` or of any other value, a runtime error.
#[inline]
fn field_of<'a>(record: &Value<'a>, accessor: crate::access::Accessor) -> Result<Value<'a>, Fault> {
    match record {
        Value::Rec(rec) => field(*rec, accessor),
        Value::None => Err(Fault::Message(format!(
            "field `{}` of none",
            accessor.name()
        ))),
        other => Err(Fault::Message(format!(
            "field `{}` of {}",
            accessor.name(),
            other.kind()
        ))),
    }
}

fn cannot(what: &str, a: &Value<'_>, b: &Value<'_>) -> Fault {
    Fault::Message(format!("cannot {what} {} with {}", a.kind(), b.kind()))
}

fn index<'a>(collection: &Value<'a>, key: &Value<'a>) -> Result<Value<'a>, Fault> {
    Ok(match (collection, key) {
        (Value::StrMap(map), Value::Str(key)) => map
            .get(key.as_str())
            .map_or(Value::None, |value| Value::str(value)),
        (Value::Map(entries), key) => entries
            .iter()
            .find(|(candidate, _)| equal(candidate, key) == Some(true))
            .map_or(Value::None, |(_, value)| value.clone()),
        (list, Value::Int(position)) => {
            let len = list
                .collection_len()
                .ok_or_else(|| format!("cannot index {}", list.kind()))?;
            let position = if *position < 0 {
                position.saturating_add(len as i64)
            } else {
                *position
            };
            usize::try_from(position)
                .ok()
                .and_then(|position| list.element(position))
                .unwrap_or(Value::None)
        }
        (collection, key) => return Err(cannot("index", collection, key)),
    })
}

fn arithmetic<'a>(op: LOp, a: Value<'a>, b: Value<'a>, limit: usize) -> Result<Value<'a>, Fault> {
    let overflow = || Fault::Message("integer overflow".to_string());
    Ok(match (op, &a, &b) {
        (LOp::Add, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_add(*y).ok_or_else(overflow)?)
        }
        (LOp::Sub, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_sub(*y).ok_or_else(overflow)?)
        }
        (LOp::Mul, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_mul(*y).ok_or_else(overflow)?)
        }
        // Integer division by zero is 0: the language is total.
        (LOp::Div | LOp::Rem, Value::Int(_), Value::Int(0)) => Value::Int(0),
        (LOp::Div, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_div(*y).ok_or_else(overflow)?)
        }
        (LOp::Rem, Value::Int(x), Value::Int(y)) => {
            Value::Int(x.checked_rem(*y).ok_or_else(overflow)?)
        }
        (_, Value::Float(_) | Value::Int(_), Value::Float(_) | Value::Int(_)) => {
            let (x, y) = (as_float(&a), as_float(&b));
            Value::Float(match op {
                LOp::Add => x + y,
                LOp::Sub => x - y,
                LOp::Mul => x * y,
                LOp::Div => x / y,
                _ => x % y,
            })
        }
        (LOp::Add, Value::Str(x), Value::Str(y)) => {
            Value::string(format!("{}{}", x.as_str(), y.as_str()))
        }
        (LOp::Add, Value::Time(t), Value::Duration(d))
        | (LOp::Add, Value::Duration(d), Value::Time(t)) => Value::Time(
            Timestamp::from_unix_seconds(t.unix_seconds().saturating_add(*d))
                .ok_or_else(overflow)?,
        ),
        (LOp::Sub, Value::Time(t), Value::Duration(d)) => Value::Time(
            Timestamp::from_unix_seconds(t.unix_seconds().saturating_sub(*d))
                .ok_or_else(overflow)?,
        ),
        (LOp::Sub, Value::Time(x), Value::Time(y)) => {
            Value::Duration(x.unix_seconds().saturating_sub(y.unix_seconds()))
        }
        (LOp::Sub, Value::Date(x), Value::Date(y)) => {
            let days = x.0.since(y.0).map_err(|err| err.to_string())?.get_days();
            Value::Duration(i64::from(days).saturating_mul(86_400))
        }
        (LOp::Add | LOp::Sub, Value::Date(date), Value::Duration(d)) => {
            let days = d / 86_400;
            let days = if matches!(op, LOp::Sub) { -days } else { days };
            let span = jiff::Span::new()
                .try_days(days)
                .map_err(|err| err.to_string())?;
            Value::Date(tollgate_facts::Date(
                date.0.checked_add(span).map_err(|err| err.to_string())?,
            ))
        }
        (LOp::Add, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.saturating_add(*y)),
        (LOp::Sub, Value::Duration(x), Value::Duration(y)) => Value::Duration(x.saturating_sub(*y)),
        (LOp::Mul, Value::Duration(x), Value::Int(y))
        | (LOp::Mul, Value::Int(y), Value::Duration(x)) => Value::Duration(x.saturating_mul(*y)),
        (LOp::Div, Value::Duration(_), Value::Int(0)) => Value::Duration(0),
        (LOp::Div, Value::Duration(x), Value::Int(y)) => Value::Duration(x / y),
        (LOp::Add, _, _) if a.collection_len().is_some() && b.collection_len().is_some() => {
            let mut items = a.elements().unwrap_or_default();
            items.extend(b.elements().unwrap_or_default());
            if items.len() > limit {
                return Err(Fault::CollectionTooLarge);
            }
            match a {
                Value::Set(_) => Value::Set(Rc::new(into_set(items))),
                _ => Value::List(Rc::new(items)),
            }
        }
        _ => {
            let verb = match op {
                LOp::Add => "add",
                LOp::Sub => "subtract",
                LOp::Mul => "multiply",
                _ => "divide",
            };
            return Err(cannot(verb, &a, &b));
        }
    })
}

#[allow(clippy::cast_precision_loss)] // reason: int-to-float conversion is the language's semantics
fn as_float(value: &Value<'_>) -> f64 {
    match value {
        Value::Int(number) => *number as f64,
        Value::Float(number) => *number,
        _ => 0.0,
    }
}
