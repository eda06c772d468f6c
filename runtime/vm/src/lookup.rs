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

mod sweep;

/// Above this many constant keys for one field, the prepared pass finds an element's key through
/// a hash map instead of comparing it with each key in turn.
const LINEAR_KEYS: usize = 8;

/// A full index is built on the `INDEX_AFTER`th lookup of keys outside the prepared ones in the
/// same (collection, field) (a native scan costs about a sixth of a build, mostly hashing); the
/// lookups before it scan natively.
const INDEX_AFTER: u32 = 6;

/// A narrowing lookup whose earlier result kept at most one element in `FEW_LEFT` tests those
/// elements rather than build a table over the whole collection.
const FEW_LEFT: usize = 8;

/// Intersecting runs, the shorter is binary-searched in the longer when it is this many times
/// shorter; otherwise the two are merged.
const SEARCH_RATIO: usize = 16;

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
    /// The collections whose prepared sweep has run. It fills `prepared` for every field
    /// with a specialised loop; the generic pass files the others on their first lookup.
    swept: Vec<(usize, usize, u8)>,
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
            swept: Vec::new(),
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

/// Calls `visit` with the key of a field's value: the value's own, or for a list field (which
/// a lookup tests for the key among its items) each distinct item's, so that an element is
/// filed once under each key it has.
#[inline]
fn keys_of<'a>(value: Value<'a>, mut visit: impl FnMut(Key<'a>)) {
    let Some(len) = value.collection_len() else {
        if let Some(key) = Key::from_value(value) {
            visit(key);
        }
        return;
    };
    for index in 0..len {
        let Some(key) = value.element(index).and_then(Key::from_value) else {
            continue;
        };
        // Lists of facts are short: a quadratic search for an earlier equal item costs less
        // than a set.
        let repeated = (0..index).any(|earlier| {
            value
                .element(earlier)
                .and_then(Key::from_value)
                .is_some_and(|other| other == key)
        });
        if !repeated {
            visit(key);
        }
    }
}

/// Calls `visit` with the position and key of every element of `facts` whose field has a key
/// (a list field: once per distinct item).
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
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            keys_of(value, |key| visit(position, key));
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
            Value::Picked(facts, picked) => self.lookup_picked(*facts, picked, accessor, keys),
            Value::None => Ok(Value::List(Rc::new(Vec::new()))),
            other => {
                let Some(len) = other.collection_len() else {
                    return Err(Fault::Message(format!("cannot filter {}", other.kind())));
                };
                // Compared as an index compares them, so that a list built during evaluation
                // and a facts collection give the same answer.
                let wanted: Vec<Key<'a>> = keys.iter().filter_map(Key::of).collect();
                let mut kept = Vec::new();
                for position in 0..len {
                    let Some(element) = other.element(position) else {
                        continue;
                    };
                    let Value::Rec(rec) = element else { continue };
                    let mut found = false;
                    keys_of(field(rec, accessor)?, |key| found |= wanted.contains(&key));
                    if found {
                        kept.push(element);
                    }
                }
                self.fuel = self.fuel.saturating_sub(len as u64);
                Ok(Value::List(Rc::new(kept)))
            }
        }
    }

    /// A lookup narrowing an earlier one's result (`where v.severity == Critical and
    /// v.fix_state == Fixed`): the intersection with this field's table over the whole
    /// collection, or, when only a few elements are left and no table is ready, a test of
    /// each of them (building a table would cost a pass over the whole collection).
    fn lookup_picked(
        &mut self,
        facts: Facts<'a>,
        picked: &Positions,
        accessor: Accessor,
        keys: &[Value<'a>],
    ) -> Result<Value<'a>, Fault> {
        let few = picked.len().saturating_mul(FEW_LEFT) <= facts.len();
        if few && !self.lookups.ready(facts, accessor, keys) {
            self.fuel = self.fuel.saturating_sub(picked.len() as u64);
            return filter_picked(facts, picked, accessor, keys);
        }
        let Value::Picked(_, whole) = self.lookup_facts(facts, accessor, keys)? else {
            return Err(Fault::Message("lookup gave no positions".to_string()));
        };
        self.fuel = self
            .fuel
            .saturating_sub(picked.len().min(whole.len()) as u64);
        Ok(Value::Picked(facts, intersect(picked, &whole)))
    }

    fn lookup_facts(
        &mut self,
        facts: Facts<'a>,
        accessor: Accessor,
        keys: &[Value<'a>],
    ) -> Result<Value<'a>, Fault> {
        let collection = facts.identity();
        let position = self.lookups.table(collection, accessor);
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
        let has_constant_keys = self
            .lookups
            .constant_keys
            .iter()
            .any(|(known, _)| *known == accessor);
        if table.prepared.is_none() && has_constant_keys {
            // One pass for every constant key of the program: charged like one scan.
            self.fuel = self.fuel.saturating_sub(len / 8);
            if !self.lookups.swept.contains(&collection) {
                self.lookups.sweep(facts);
            }
            let Lookups {
                constant_keys,
                tables,
                ..
            } = &mut self.lookups;
            let keys = constant_keys
                .iter()
                .find(|(known, _)| *known == accessor)
                .map_or(&[][..], |(_, keys)| keys.as_slice());
            let table = tables
                .get_mut(position)
                .ok_or_else(|| Fault::Message("lookup table missing".to_string()))?;
            if table.prepared.is_none() {
                table.prepared = Some(prepare_generic(facts, accessor, keys)?);
            }
        }
        let Some(table) = self.lookups.tables.get_mut(position) else {
            return Err(Fault::Message("lookup table missing".to_string()));
        };
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

impl<'a> Lookups<'a> {
    /// Runs the prepared sweep over `facts`: one pass for every field of the collection that
    /// the program looks up with constant keys.
    fn sweep(&mut self, facts: Facts<'a>) {
        let collection = facts.identity();
        let fields: Vec<(Accessor, &[Key<'a>])> = self
            .constant_keys
            .iter()
            .map(|(accessor, keys)| (*accessor, keys.as_slice()))
            .collect();
        let prepared = sweep::prepare_fields(facts, &fields);
        self.swept.push(collection);
        for (accessor, index) in prepared {
            let position = self.table(collection, accessor);
            if let Some(table) = self.tables.get_mut(position) {
                table.prepared = Some(index);
            }
        }
    }

    /// The position of the (collection, field) pair's table, made empty if there is none yet.
    fn table(&mut self, collection: (usize, usize, u8), accessor: Accessor) -> usize {
        if let Some(position) = self
            .tables
            .iter()
            .position(|table| table.collection == collection && table.accessor == accessor)
        {
            return position;
        }
        self.tables.push(Table {
            collection,
            accessor,
            prepared: None,
            full: None,
            probes: 0,
        });
        self.tables.len() - 1
    }

    /// Whether a table already built answers a lookup of `keys` in the field without a pass.
    fn ready(&self, facts: Facts<'a>, accessor: Accessor, keys: &[Value<'a>]) -> bool {
        let collection = facts.identity();
        let Some(table) = self
            .tables
            .iter()
            .find(|table| table.collection == collection && table.accessor == accessor)
        else {
            return false;
        };
        table.full.is_some()
            || table.prepared.as_ref().is_some_and(|index| {
                keys.iter()
                    .all(|key| Key::of(key).is_none_or(|key| index.groups.contains_key(&key)))
            })
    }
}

/// A picked run narrowed by reading each element's field: the elements whose key is one of
/// `keys` (compared as an index compares them).
fn filter_picked<'a>(
    facts: Facts<'a>,
    picked: &Positions,
    accessor: Accessor,
    keys: &[Value<'a>],
) -> Result<Value<'a>, Fault> {
    let wanted: Vec<Key<'a>> = keys.iter().filter_map(Key::of).collect();
    let mut kept = Vec::new();
    for index in 0..picked.len() {
        let Some(position) = picked.get(index) else {
            continue;
        };
        let Some(Value::Rec(rec)) = facts.get(position as usize) else {
            continue;
        };
        let mut found = false;
        keys_of(field(rec, accessor)?, |key| found |= wanted.contains(&key));
        if found {
            kept.push(position);
        }
    }
    Ok(Value::Picked(facts, Positions::whole(Rc::from(kept))))
}

/// The positions in both runs (each in collection order, so the result is too). A run much
/// shorter than the other is searched for in it; runs of like length are merged.
fn intersect(a: &Positions, b: &Positions) -> Positions {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (short, long) = (short.as_slice(), long.as_slice());
    let mut both = Vec::with_capacity(short.len());
    if short.len().saturating_mul(SEARCH_RATIO) < long.len() {
        both.extend(
            short
                .iter()
                .filter(|position| long.binary_search(position).is_ok()),
        );
    } else {
        let mut others = long.iter().peekable();
        for position in short {
            while others.next_if(|other| *other < position).is_some() {}
            if others.next_if_eq(&position).is_some() {
                both.push(*position);
            }
        }
    }
    Positions::whole(Rc::from(both))
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

/// The full index of a field: every key's positions. A text field that the sweep module has a
/// specialised loop for is grouped by its `&str` (no `Value` or `Key` per element); the others
/// go through the generic read.
fn build<'a>(facts: Facts<'a>, accessor: Accessor) -> Result<Index<'a>, Fault> {
    if let Some(index) = sweep::build_text(facts, accessor) {
        return Ok(index);
    }
    let mut keyed = Vec::with_capacity(facts.len());
    each_key(facts, accessor, |position, key| keyed.push((position, key)))?;
    Ok(group_by(keyed, |key| key))
}

/// Groups positions by key, in collection order: `keyed` gives each element's position and
/// key (`key` turns it into an index key). Two passes (each element's group, then the groups'
/// runs in one positions array), so that an index is a few arrays, not one per distinct key.
fn group_by<'a, K: std::hash::Hash + Eq>(
    keyed: impl IntoIterator<Item = (u32, K)>,
    key: impl Fn(K) -> Key<'a>,
) -> Index<'a> {
    let keyed = keyed.into_iter();
    let mut group_of: HashMap<K, usize> = HashMap::with_capacity(keyed.size_hint().0);
    let mut members: Vec<(u32, usize)> = Vec::with_capacity(keyed.size_hint().0);
    let mut sizes: Vec<usize> = Vec::new();
    for (position, element_key) in keyed {
        let next = sizes.len();
        let group = *group_of.entry(element_key).or_insert(next);
        if group == next {
            sizes.push(0);
        }
        if let Some(size) = sizes.get_mut(group) {
            *size += 1;
        }
        members.push((position, group));
    }
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
        .map(|(element_key, group)| {
            let start = starts.get(group).copied().unwrap_or(0);
            let end = start + sizes.get(group).copied().unwrap_or(0);
            (key(element_key), (start, end))
        })
        .collect();
    Index {
        groups,
        positions: Rc::from(positions),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_facts::Image;

    /// A facts file of `tests/data/facts`.
    fn facts_file(name: &str) -> Image {
        let path = format!(
            "{}/../../tests/data/facts/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        Image::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Every (collection, field) pair that the specialised loops cover, in `image`.
    fn fields_of(image: &Image) -> Vec<(Facts<'_>, Accessor)> {
        let collections = [
            Facts::Files(&image.files),
            Facts::Packages(&image.packages),
            Facts::Vulnerabilities(&image.vulnerabilities),
            Facts::Secrets(&image.secrets),
            Facts::Users(&image.users),
            Facts::Groups(&image.groups),
        ];
        collections
            .into_iter()
            .flat_map(|facts| {
                ACCESSORS_BY_COLLECTION
                    .iter()
                    .flat_map(|(_, accessors)| accessors.iter().copied())
                    .map(move |accessor| (facts, accessor))
            })
            .collect()
    }

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
            let image = facts_file(name);
            for (facts, accessor) in fields_of(&image) {
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
                let Some(typed) = sweep::prepare_typed(facts, accessor, &keys) else {
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
        assert!(checked >= 40, "only {checked} fields checked");
    }

    /// The full indexes built from `&str` for joins group exactly as the generic build does:
    /// on real facts, and on packages whose names repeat.
    #[test]
    fn typed_full_indexes_agree_with_the_generic_build() {
        let mut images: Vec<Image> = ["shop-api.json", "prod-api.json", "dev-tool.json"]
            .into_iter()
            .map(facts_file)
            .collect();
        let mut repeated = Image::default();
        for index in 0..500 {
            repeated.packages.push(tollgate_facts::Package {
                name: format!("pkg{}", index % 37),
                path: format!("/lib/{}", index % 3),
                ..Default::default()
            });
        }
        images.push(repeated);
        let mut checked = 0;
        for image in &images {
            for (facts, accessor) in fields_of(image) {
                let Some(typed) = sweep::build_text(facts, accessor) else {
                    continue;
                };
                let mut keyed = Vec::new();
                each_key(facts, accessor, |position, key| keyed.push((position, key))).unwrap();
                let generic = group_by(keyed, |key| key);
                let keys: Vec<Key<'_>> = generic.groups.keys().cloned().collect();
                assert_eq!(typed.groups.len(), keys.len(), "{}", accessor.name());
                assert_eq!(runs(&typed, &keys), runs(&generic, &keys));
                if !keys.is_empty() {
                    checked += 1;
                }
            }
        }
        assert!(checked >= 10, "only {checked} indexes checked");
    }

    /// Intersections by merging and by searching agree with a set intersection, on runs of
    /// like and of very different lengths, including empty and disjoint ones.
    #[test]
    fn intersections_keep_the_common_positions_in_order() {
        let run = |positions: Vec<u32>| Positions::whole(Rc::from(positions));
        let cases: Vec<(Vec<u32>, Vec<u32>)> = vec![
            (
                (0..1_000).step_by(3).collect(),
                (0..1_000).step_by(5).collect(),
            ),
            (vec![15, 30, 999], (0..1_000).collect()),
            ((0..1_000).collect(), vec![0, 500, 999, 1_000]),
            (vec![], (0..10).collect()),
            ((0..100).step_by(2).collect(), (1..100).step_by(2).collect()),
        ];
        for (a, b) in cases {
            let expected: Vec<u32> = a.iter().copied().filter(|x| b.contains(x)).collect();
            assert_eq!(
                intersect(&run(a.clone()), &run(b.clone())).as_slice(),
                expected
            );
            assert_eq!(intersect(&run(b), &run(a)).as_slice(), expected);
        }
        // A run that is part of a larger array (an index's group) intersects as itself.
        let shared: Rc<[u32]> = Rc::from(vec![1, 2, 3, 7, 8, 9]);
        let middle = Positions::new(shared, 2, 5);
        assert_eq!(intersect(&middle, &run(vec![3, 8, 9])).as_slice(), [3, 8]);
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
                Accessor::PackageLicenses,
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
