//! Index lookups for `Lookup`/`LookupIn` (equality and membership filters, and joins), shared by
//! every rule of one evaluation.
//!
//! Each (facts collection, field) pair gets at most one table per evaluation, built lazily on its
//! first lookup:
//! - the program's constant keys for that field (every `Const k; Lookup field` of every chunk,
//!   collected at link time) are answered from one pass over the collection that files each
//!   element under the constant key it equals: five rules filtering `f.path == "..."` cost one
//!   pass over the files, not five;
//! - other keys (joins: `p.name == v.package.name`) scan natively for the first few lookups and
//!   then build a full hash index over the field, so a single probe never pays for an index.
//!
//! Hash maps use foldhash with a per-process random seed: keys come from untrusted images, so the
//! hasher must stay seeded (flooding one bucket must not be predictable), but SipHash's cost
//! dominated index builds over 200,000 file paths.

use std::rc::Rc;

use foldhash::HashMap;
use foldhash::HashMapExt;

use crate::access::{Accessor, Fields, read};
use crate::exec::{Fault, Machine};
use crate::link::LOp;
use crate::value::{Facts, Key, Positions, Rec, Value};

/// Above this many constant keys for one field, the prepared pass finds an element's key through
/// a hash map instead of comparing it with each key in turn.
const LINEAR_KEYS: usize = 8;

/// A full index is built on the `INDEX_AFTER`th lookup of keys outside the prepared ones in the
/// same (collection, field) (a native scan costs about a sixth of a build, mostly hashing); the
/// lookups before it scan natively.
const INDEX_AFTER: u32 = 6;

/// The keys' groups of positions: each key's run in one shared array (so building an index
/// allocates a few arrays, not one per key).
struct Index<'a> {
    groups: HashMap<Key<'a>, (usize, usize)>,
    positions: Rc<[u32]>,
}

impl<'a> Index<'a> {
    /// The elements whose key is one of `keys`, in collection order; `None` when a key is
    /// outside the index (only possible for a prepared index).
    fn pick(&self, facts: Facts<'a>, keys: &[Value<'a>], complete: bool) -> Option<Value<'a>> {
        let run = |key: &Value<'a>| -> Option<(usize, usize)> {
            match Key::of(key) {
                Some(key) => match self.groups.get(&key) {
                    Some(run) => Some(*run),
                    None if complete => Some((0, 0)),
                    None => None,
                },
                // A value without a key (a float, a record) equals no indexed key.
                None => Some((0, 0)),
            }
        };
        if let [key] = keys {
            let (start, end) = run(key)?;
            return Some(Value::Picked(
                facts,
                Positions::new(Rc::clone(&self.positions), start, end),
            ));
        }
        let mut positions: Vec<u32> = Vec::new();
        for key in keys {
            let (start, end) = run(key)?;
            positions.extend(self.positions.get(start..end).unwrap_or(&[]));
        }
        positions.sort_unstable();
        positions.dedup();
        Some(Value::Picked(facts, Positions::whole(Rc::from(positions))))
    }

    /// Groups positions by key: `groups` lists each key's positions in collection order.
    fn from_groups(groups: Vec<(Key<'a>, Vec<u32>)>) -> Index<'a> {
        let total = groups.iter().map(|(_, positions)| positions.len()).sum();
        let mut positions = Vec::with_capacity(total);
        let mut runs = HashMap::with_capacity(groups.len());
        for (key, members) in groups {
            let start = positions.len();
            positions.extend(members);
            runs.insert(key, (start, positions.len()));
        }
        Index {
            groups: runs,
            positions: Rc::from(positions),
        }
    }
}

/// The lookup state of one (collection, field) pair.
struct Table<'a> {
    collection: (usize, usize, u8),
    accessor: Accessor,
    /// The program's constant keys for the field, each with the elements that have it.
    prepared: Option<Index<'a>>,
    /// Every key's elements, once lookups outside the prepared keys were frequent enough.
    full: Option<Index<'a>>,
    /// Lookups outside the prepared keys so far.
    probes: u32,
}

/// The lookup tables of one evaluation.
pub(crate) struct Lookups<'a> {
    /// Each field's constant keys in the program.
    constant_keys: Vec<(Accessor, Vec<Key<'a>>)>,
    /// Fields looked up with a computed key inside a loop (joins): indexed on first use.
    join_fields: Vec<Accessor>,
    /// One table per (collection, field) looked up so far; few, so searched linearly.
    tables: Vec<Table<'a>>,
}

impl<'a> Lookups<'a> {
    /// Tables for a program whose constant keys per field are `constant_keys` (constant pool
    /// indices), resolved against the evaluation's `constants`.
    /// `join_fields` are the fields a loop looks up with a computed key.
    pub(crate) fn new(
        constant_keys: &[(Accessor, Vec<u32>)],
        join_fields: &[Accessor],
        constants: &[Value<'a>],
    ) -> Self {
        let constant_keys = constant_keys
            .iter()
            .map(|(accessor, indices)| {
                let mut keys: Vec<Key<'a>> = Vec::new();
                for index in indices {
                    let Some(constant) = constants.get(*index as usize) else {
                        continue;
                    };
                    let elements = match constant {
                        Value::List(_) | Value::Set(_) => constant.elements().unwrap_or_default(),
                        single => vec![single.clone()],
                    };
                    for element in &elements {
                        if let Some(key) = Key::of(element)
                            && !keys.contains(&key)
                        {
                            keys.push(key);
                        }
                    }
                }
                (*accessor, keys)
            })
            .filter(|(_, keys)| !keys.is_empty())
            .collect();
        Lookups {
            constant_keys,
            join_fields: join_fields.to_vec(),
            tables: Vec::new(),
        }
    }
}

/// Each field's constant keys in these chunks: the constant pool index of every `Const` that
/// directly precedes a `Lookup` or `LookupIn` of the field.
pub(crate) fn constant_keys<'c>(
    chunks: impl Iterator<Item = &'c [LOp]>,
) -> Vec<(Accessor, Vec<u32>)> {
    let mut found: Vec<(Accessor, Vec<u32>)> = Vec::new();
    for code in chunks {
        for pair in code.windows(2) {
            let (Some(LOp::Const(constant)), Some(LOp::Lookup(accessor) | LOp::LookupIn(accessor))) =
                (pair.first(), pair.get(1))
            else {
                continue;
            };
            match found.iter_mut().find(|(known, _)| known == accessor) {
                Some((_, constants)) => {
                    if !constants.contains(constant) {
                        constants.push(*constant);
                    }
                }
                None => found.push((*accessor, vec![*constant])),
            }
        }
    }
    found
}

/// The fields looked up with a computed key (not a constant) inside a loop: a join, whose
/// lookups repeat once per element of the outer loop, so its index pays for itself at once.
pub(crate) fn join_fields<'c>(chunks: impl Iterator<Item = &'c [LOp]>) -> Vec<Accessor> {
    let mut found = Vec::new();
    for code in chunks {
        for (position, op) in code.iter().enumerate() {
            let (LOp::Lookup(accessor) | LOp::LookupIn(accessor)) = op else {
                continue;
            };
            let constant_key = position
                .checked_sub(1)
                .and_then(|before| code.get(before))
                .is_some_and(|before| matches!(before, LOp::Const(_)));
            let in_loop = code.iter().take(position).any(
                |earlier| matches!(earlier, LOp::Next { end, .. } if *end as usize > position),
            );
            if !constant_key && in_loop && !found.contains(accessor) {
                found.push(*accessor);
            }
        }
    }
    found
}

/// Calls `visit` with the position and key of every element of `facts` whose field has a key.
fn each_key<'a, V: FnMut(u32, Key<'a>)>(
    facts: Facts<'a>,
    accessor: Accessor,
    mut visit: V,
) -> Result<(), Fault> {
    // Typed reads (`Fields`), inlined: this loop runs over 200,000 files, and a read through
    // `Rec` would dispatch on the record type for every element.
    // Generic over the visitor too: a `dyn` call per element cost more than the read.
    fn over<'a, T: Fields, V: FnMut(u32, Key<'a>)>(
        items: &'a [T],
        wrap: impl Fn(&'a T) -> Rec<'a>,
        accessor: Accessor,
        visit: &mut V,
    ) -> Result<(), Fault> {
        for (position, item) in items.iter().enumerate() {
            let Some(value) = item.field(accessor) else {
                return Err(unreadable(wrap(item), accessor));
            };
            if let Some(key) = Key::from_value(value) {
                visit(u32::try_from(position).unwrap_or(u32::MAX), key);
            }
        }
        Ok(())
    }
    let visit = &mut visit;
    match facts {
        // Strings have no fields: a field lookup finds no key in them.
        Facts::Strings(_) => Ok(()),
        Facts::Ports(items) => over(items, Rec::Port, accessor, visit),
        Facts::History(items) => over(items, Rec::HistoryEntry, accessor, visit),
        Facts::Layers(items) => over(items, Rec::Layer, accessor, visit),
        Facts::Files(items) => over(items, Rec::File, accessor, visit),
        Facts::Packages(items) => over(items, Rec::Package, accessor, visit),
        Facts::Vulnerabilities(items) => over(items, Rec::Vulnerability, accessor, visit),
        Facts::Secrets(items) => over(items, Rec::Secret, accessor, visit),
        Facts::Users(items) => over(items, Rec::User, accessor, visit),
        Facts::Groups(items) => over(items, Rec::Group, accessor, visit),
    }
}

/// Reads a field, or says why it cannot be read.
#[inline]
pub(crate) fn field<'a>(rec: Rec<'a>, accessor: Accessor) -> Result<Value<'a>, Fault> {
    read(rec, accessor).ok_or_else(|| unreadable(rec, accessor))
}

fn unreadable(rec: Rec<'_>, accessor: Accessor) -> Fault {
    Fault::Message(format!(
        "field `{}` read from a {}",
        accessor.name(),
        rec.type_name()
    ))
}

impl<'a> Machine<'a> {
    /// The elements of `collection` whose field equals one of `keys`, in collection order.
    pub(crate) fn lookup(
        &mut self,
        collection: &Value<'a>,
        accessor: Accessor,
        keys: &[Value<'a>],
    ) -> Result<Value<'a>, Fault> {
        match collection {
            Value::Facts(facts) => self.lookup_facts(*facts, accessor, keys),
            Value::None => Ok(Value::List(Rc::new(Vec::new()))),
            other => {
                let Some(len) = other.collection_len() else {
                    return Err(Fault::Message(format!("cannot filter {}", other.kind())));
                };
                let mut kept = Vec::new();
                for position in 0..len {
                    let Some(element) = other.element(position) else {
                        continue;
                    };
                    let Value::Rec(rec) = element else { continue };
                    let value = field(rec, accessor)?;
                    if keys
                        .iter()
                        .any(|key| crate::value::equal(&value, key) == Some(true))
                    {
                        kept.push(element);
                    }
                }
                self.fuel = self.fuel.saturating_sub(len as u64);
                Ok(Value::List(Rc::new(kept)))
            }
        }
    }

    fn lookup_facts(
        &mut self,
        facts: Facts<'a>,
        accessor: Accessor,
        keys: &[Value<'a>],
    ) -> Result<Value<'a>, Fault> {
        let collection = facts.identity();
        let position = match self
            .lookups
            .tables
            .iter()
            .position(|table| table.collection == collection && table.accessor == accessor)
        {
            Some(position) => position,
            None => {
                self.lookups.tables.push(Table {
                    collection,
                    accessor,
                    prepared: None,
                    full: None,
                    probes: 0,
                });
                self.lookups.tables.len() - 1
            }
        };
        let len = facts.len() as u64;
        let Some(table) = self.lookups.tables.get_mut(position) else {
            return Err(Fault::Message("lookup table missing".to_string()));
        };
        if let Some(found) = table
            .full
            .as_ref()
            .and_then(|index| index.pick(facts, keys, true))
        {
            return Ok(found);
        }
        if table.prepared.is_none()
            && let Some((_, constant_keys)) = self
                .lookups
                .constant_keys
                .iter()
                .find(|(known, _)| *known == accessor)
        {
            // One pass for every constant key of the program: charged like one scan.
            self.fuel = self.fuel.saturating_sub(len / 8);
            table.prepared = Some(prepare(facts, accessor, constant_keys)?);
        }
        if let Some(found) = table
            .prepared
            .as_ref()
            .and_then(|index| index.pick(facts, keys, false))
        {
            return Ok(found);
        }
        table.probes += 1;
        let join = self.lookups.join_fields.contains(&accessor);
        if table.probes < INDEX_AFTER && !join {
            self.fuel = self.fuel.saturating_sub(len / 8);
            return scan(facts, accessor, keys);
        }
        // Building costs a pass over the collection: charge it once.
        self.fuel = self.fuel.saturating_sub(len / 4);
        let index = build(facts, accessor)?;
        let found = index.pick(facts, keys, true);
        table.full = Some(index);
        found.ok_or_else(|| Fault::Message("incomplete index".to_string()))
    }
}

/// The positions of the elements whose key is one of `constant_keys`, grouped by key.
fn prepare<'a>(
    facts: Facts<'a>,
    accessor: Accessor,
    constant_keys: &[Key<'a>],
) -> Result<Index<'a>, Fault> {
    match prepare_typed(facts, accessor, constant_keys) {
        Some(index) => Ok(index),
        None => prepare_generic(facts, accessor, constant_keys),
    }
}

/// [`prepare`] for any field: reads each element's field as a `Value`.
fn prepare_generic<'a>(
    facts: Facts<'a>,
    accessor: Accessor,
    constant_keys: &[Key<'a>],
) -> Result<Index<'a>, Fault> {
    let mut groups: Vec<(Key<'a>, Vec<u32>)> = constant_keys
        .iter()
        .map(|key| (key.clone(), Vec::new()))
        .collect();
    if constant_keys.len() <= LINEAR_KEYS {
        let summaries: Vec<u64> = constant_keys.iter().map(Key::summary).collect();
        each_key(facts, accessor, |position, key| {
            let summary = key.summary();
            for (slot, wanted) in summaries.iter().enumerate() {
                if *wanted == summary
                    && let Some((known, members)) = groups.get_mut(slot)
                    && *known == key
                {
                    // The constant keys are distinct: no other can match.
                    members.push(position);
                    break;
                }
            }
        })?;
    } else {
        let slots: HashMap<Key<'a>, usize> = constant_keys
            .iter()
            .enumerate()
            .map(|(slot, key)| (key.clone(), slot))
            .collect();
        each_key(facts, accessor, |position, key| {
            if let Some((_, members)) = slots.get(&key).and_then(|slot| groups.get_mut(*slot)) {
                members.push(position);
            }
        })?;
    }
    Ok(Index::from_groups(groups))
}

/// The prepared pass over a plain text or boolean field, when `accessor` is one: a loop
/// specialised to the record type and the field, comparing each element's `&str` (or `bool`)
/// with the keys directly. The generic pass costs about 170 instructions per element (a
/// `Value` and a `Key` built and dropped, a call per field read and per visit); this one a few.
/// `None` for the other fields.
fn prepare_typed<'a>(facts: Facts<'a>, accessor: Accessor, keys: &[Key<'a>]) -> Option<Index<'a>> {
    use crate::access::{FILE_KIND, FIX_STATE, SEVERITY};
    use Accessor as A;
    let index = match (facts, accessor) {
        (Facts::Files(items), A::FilePath) => prepare_text(items, |f| &f.path, keys),
        (Facts::Files(items), A::FileSetuid) => {
            prepare_scalar(items, |f| f.setuid, key_bool, keys)?
        }
        (Facts::Files(items), A::FileSetgid) => {
            prepare_scalar(items, |f| f.setgid, key_bool, keys)?
        }
        (Facts::Files(items), A::FileTruncated) => {
            prepare_scalar(items, |f| f.truncated, key_bool, keys)?
        }
        (Facts::Files(items), A::FileLayer) => prepare_scalar(items, |f| f.layer, key_int, keys)?,
        (Facts::Files(items), A::FileKindField) => {
            prepare_scalar(items, |f| f.kind as u16, key_variant(FILE_KIND), keys)?
        }
        (Facts::Packages(items), A::PackageLayer) => {
            prepare_scalar(items, |p| p.layer, key_int, keys)?
        }
        (Facts::Vulnerabilities(items), A::VulnerabilitySeverity) => {
            prepare_scalar(items, |v| v.severity as u16, key_variant(SEVERITY), keys)?
        }
        (Facts::Vulnerabilities(items), A::VulnerabilityFixState) => {
            prepare_scalar(items, |v| v.fix_state as u16, key_variant(FIX_STATE), keys)?
        }
        (Facts::Secrets(items), A::SecretSeverity) => {
            prepare_scalar(items, |s| s.severity as u16, key_variant(SEVERITY), keys)?
        }
        (Facts::Secrets(items), A::SecretLayer) => {
            prepare_scalar(items, |s| s.layer, key_int, keys)?
        }
        (Facts::Packages(items), A::PackageName) => prepare_text(items, |p| &p.name, keys),
        (Facts::Packages(items), A::PackagePurl) => prepare_text(items, |p| &p.purl, keys),
        (Facts::Packages(items), A::PackageSourceName) => {
            prepare_text(items, |p| &p.source_name, keys)
        }
        (Facts::Packages(items), A::PackagePath) => prepare_text(items, |p| &p.path, keys),
        (Facts::Vulnerabilities(items), A::VulnerabilityId) => prepare_text(items, |v| &v.id, keys),
        (Facts::Secrets(items), A::SecretRule) => prepare_text(items, |s| &s.rule, keys),
        (Facts::Secrets(items), A::SecretCategory) => prepare_text(items, |s| &s.category, keys),
        (Facts::Secrets(items), A::SecretPath) => prepare_text(items, |s| &s.path, keys),
        (Facts::Secrets(items), A::SecretPresent) => {
            prepare_scalar(items, |s| s.present, key_bool, keys)?
        }
        (Facts::Users(items), A::UserName) => prepare_text(items, |u| &u.name, keys),
        (Facts::Groups(items), A::GroupName) => prepare_text(items, |g| &g.name, keys),
        _ => return None,
    };
    Some(index)
}

/// The prepared pass over a text field read by `text`: each key's elements, in order.
/// Keys that are not text equal no element (a text field's key is always text).
fn prepare_text<'a, T>(
    items: &'a [T],
    text: impl Fn(&'a T) -> &'a String,
    keys: &[Key<'a>],
) -> Index<'a> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
    let wanted: Vec<(usize, &str)> = keys
        .iter()
        .enumerate()
        .filter_map(|(slot, key)| match key {
            Key::Str(text) => Some((slot, text.as_str())),
            _ => None,
        })
        .collect();
    if wanted.len() <= LINEAR_KEYS {
        for (position, item) in items.iter().enumerate() {
            let value = text(item).as_str();
            // The keys are distinct: at most one matches.
            if let Some((slot, _)) = wanted.iter().find(|(_, key)| *key == value)
                && let Some(found) = members.get_mut(*slot)
            {
                found.push(u32::try_from(position).unwrap_or(u32::MAX));
            }
        }
    } else {
        let slots: HashMap<&str, usize> = wanted.iter().map(|(slot, key)| (*key, *slot)).collect();
        for (position, item) in items.iter().enumerate() {
            if let Some(found) = slots
                .get(text(item).as_str())
                .and_then(|slot| members.get_mut(*slot))
            {
                found.push(u32::try_from(position).unwrap_or(u32::MAX));
            }
        }
    }
    Index::from_groups(keys.iter().cloned().zip(members).collect())
}

/// The prepared pass over a scalar field (a boolean, an integer, an enum's variant) read by
/// `read`: each key's elements, in order. `scalar` gives a key's value in the same terms, or
/// `None` for a key of another kind (which equals no element). `None` for more keys than a
/// linear search suits.
fn prepare_scalar<'a, T, S: PartialEq + Copy>(
    items: &'a [T],
    read: impl Fn(&T) -> S,
    scalar: impl Fn(&Key<'a>) -> Option<S>,
    keys: &[Key<'a>],
) -> Option<Index<'a>> {
    let wanted: Vec<(usize, S)> = keys
        .iter()
        .enumerate()
        .filter_map(|(slot, key)| Some((slot, scalar(key)?)))
        .collect();
    if wanted.len() > LINEAR_KEYS {
        return None;
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
    for (position, item) in items.iter().enumerate() {
        let value = read(item);
        // The keys are distinct: at most one matches.
        if let Some((slot, _)) = wanted.iter().find(|(_, key)| *key == value)
            && let Some(found) = members.get_mut(*slot)
        {
            found.push(u32::try_from(position).unwrap_or(u32::MAX));
        }
    }
    Some(Index::from_groups(
        keys.iter().cloned().zip(members).collect(),
    ))
}

fn key_bool(key: &Key<'_>) -> Option<bool> {
    match key {
        Key::Bool(flag) => Some(*flag),
        _ => None,
    }
}

fn key_int(key: &Key<'_>) -> Option<i64> {
    match key {
        Key::Int(number) => Some(*number),
        _ => None,
    }
}

/// The variant of a key of the VM enum `ty`.
fn key_variant(ty: u16) -> impl Fn(&Key<'_>) -> Option<u16> {
    move |key| match key {
        Key::Enum(value) if value.ty == ty => Some(value.variant),
        _ => None,
    }
}

/// A lookup without an index: one native pass over the collection.
fn scan<'a>(facts: Facts<'a>, accessor: Accessor, keys: &[Value<'a>]) -> Result<Value<'a>, Fault> {
    let wanted: Vec<Key<'a>> = keys.iter().filter_map(Key::of).collect();
    let mut positions = Vec::new();
    each_key(facts, accessor, |position, key| {
        if wanted.contains(&key) {
            positions.push(position);
        }
    })?;
    Ok(Value::Picked(facts, Positions::whole(Rc::from(positions))))
}

/// The full index of a field: every key's positions. Two passes (each element's group, then
/// the groups' runs in one positions array) so that building allocates a few arrays, not one
/// per distinct key.
fn build<'a>(facts: Facts<'a>, accessor: Accessor) -> Result<Index<'a>, Fault> {
    let mut group_of: HashMap<Key<'a>, usize> = HashMap::new();
    let mut members: Vec<(u32, usize)> = Vec::with_capacity(facts.len());
    let mut sizes: Vec<usize> = Vec::new();
    each_key(facts, accessor, |position, key| {
        let next = sizes.len();
        let group = *group_of.entry(key).or_insert(next);
        if group == next {
            sizes.push(0);
        }
        if let Some(size) = sizes.get_mut(group) {
            *size += 1;
        }
        members.push((position, group));
    })?;
    let mut starts = Vec::with_capacity(sizes.len());
    let mut total = 0usize;
    for size in &sizes {
        starts.push(total);
        total += size;
    }
    let mut filled = starts.clone();
    let mut positions = vec![0u32; total];
    for (position, group) in members {
        if let Some(next) = filled.get_mut(group) {
            if let Some(slot) = positions.get_mut(*next) {
                *slot = position;
            }
            *next += 1;
        }
    }
    let groups = group_of
        .into_iter()
        .map(|(key, group)| {
            let start = starts.get(group).copied().unwrap_or(0);
            (key, (start, start + sizes.get(group).copied().unwrap_or(0)))
        })
        .collect();
    Ok(Index {
        groups,
        positions: Rc::from(positions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_facts::Image;

    /// Each key's positions in an index.
    fn runs<'a>(index: &Index<'a>, keys: &[Key<'a>]) -> Vec<Vec<u32>> {
        keys.iter()
            .map(|key| {
                let (start, end) = index.groups.get(key).copied().unwrap_or((0, 0));
                index.positions[start..end].to_vec()
            })
            .collect()
    }

    /// The specialised passes file exactly the elements the generic pass files, for every
    /// field they cover, on real facts: every key present in the data, a key absent from it,
    /// and keys of other kinds.
    #[test]
    fn typed_passes_agree_with_the_generic_pass() {
        let mut checked = 0;
        for name in [
            "shop-api.json",
            "prod-api.json",
            "dev-tool.json",
            "clean.json",
        ] {
            let path = format!(
                "{}/../../tests/data/facts/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let image = Image::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let collections = [
                Facts::Files(&image.files),
                Facts::Packages(&image.packages),
                Facts::Vulnerabilities(&image.vulnerabilities),
                Facts::Secrets(&image.secrets),
                Facts::Users(&image.users),
                Facts::Groups(&image.groups),
            ];
            for facts in collections {
                for (_, accessors) in ACCESSORS_BY_COLLECTION {
                    for accessor in accessors.iter().copied() {
                        let mut keys: Vec<Key<'_>> = vec![
                            Key::Str(crate::value::Str::Borrowed("no such key")),
                            Key::Int(-7),
                            Key::Bool(true),
                            Key::Bool(false),
                            Key::None,
                        ];
                        let _ = each_key(facts, accessor, |_, key| {
                            if !keys.contains(&key) {
                                keys.push(key);
                            }
                        });
                        let Some(typed) = prepare_typed(facts, accessor, &keys) else {
                            continue;
                        };
                        let generic = prepare_generic(facts, accessor, &keys).unwrap();
                        assert_eq!(
                            runs(&typed, &keys),
                            runs(&generic, &keys),
                            "{name}: {}",
                            accessor.name()
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 40, "only {checked} fields checked");
    }

    /// The fields `prepare_typed` specialises, by collection.
    const ACCESSORS_BY_COLLECTION: [(&str, &[Accessor]); 6] = [
        (
            "files",
            &[
                Accessor::FilePath,
                Accessor::FileSetuid,
                Accessor::FileSetgid,
                Accessor::FileTruncated,
                Accessor::FileLayer,
                Accessor::FileKindField,
            ],
        ),
        (
            "packages",
            &[
                Accessor::PackageName,
                Accessor::PackagePurl,
                Accessor::PackageSourceName,
                Accessor::PackagePath,
                Accessor::PackageLayer,
            ],
        ),
        (
            "vulnerabilities",
            &[
                Accessor::VulnerabilityId,
                Accessor::VulnerabilitySeverity,
                Accessor::VulnerabilityFixState,
            ],
        ),
        (
            "secrets",
            &[
                Accessor::SecretRule,
                Accessor::SecretCategory,
                Accessor::SecretPath,
                Accessor::SecretPresent,
                Accessor::SecretSeverity,
                Accessor::SecretLayer,
            ],
        ),
        ("users", &[Accessor::UserName]),
        ("groups", &[Accessor::GroupName]),
    ];
}
