//! The prepared sweep: one pass over a facts collection that files each element under the
//! program's constant key it equals, for every field of that collection the program looks up
//! with constant keys at once.
//!
//! The fields policies filter on get a loop specialised to the record type and the field, which
//! compares each element's `&str` (or scalar) with the keys directly: the generic pass costs
//! about 170 instructions per element (a `Value` and a `Key` built and dropped, a call per read
//! and per visit), this one a few.
//!
//! A pass over 200,000 files is bound by memory, not by comparisons: each `File` is 136 bytes,
//! so the array is larger than the cache and every pass streams it from memory again. The sweep
//! therefore walks the collection in blocks small enough to stay in the core's cache and runs
//! every field's loop over a block before moving on: `f.path == "…"` and `f.setuid` rules share
//! one trip through memory.

use foldhash::HashMap;
use tollgate_facts::{File, Group, Package, Secret, User, Vulnerability};

use super::{Index, LINEAR_KEYS};
use crate::access::{Accessor, FILE_KIND, FIX_STATE, SEVERITY};
use crate::value::{Facts, Key};

/// Elements per block: 64 files are 8.7 KB, inside a core's L1 cache. Measured over 200,000
/// files with a text and a boolean field (`workload evaluate`): blocks of 32 to 96 elements
/// took half the time of two whole passes; blocks of 256 or more (past the 32 KB L1) were
/// slower than two whole passes.
const BLOCK: usize = 64;

/// One field's part of a sweep.
trait FieldSweep<'a, T> {
    /// Files the elements of `block`, which starts at position `first` of the collection.
    fn sweep(&mut self, block: &[T], first: usize);
    /// Each key's elements.
    fn finish(self: Box<Self>) -> Index<'a>;
}

/// Each field's table of its constant keys, for the fields of `fields` that this collection's
/// records have and that have a specialised loop, in one sweep over the collection. The other
/// fields are left out: the caller files them with the generic pass.
pub(super) fn prepare_fields<'a>(
    facts: Facts<'a>,
    fields: &[(Accessor, &[Key<'a>])],
) -> Vec<(Accessor, Index<'a>)> {
    match facts {
        Facts::Files(items) => sweep(items, fields, file_field),
        Facts::Packages(items) => sweep(items, fields, package_field),
        Facts::Vulnerabilities(items) => sweep(items, fields, vulnerability_field),
        Facts::Secrets(items) => sweep(items, fields, secret_field),
        Facts::Users(items) => sweep(items, fields, user_field),
        Facts::Groups(items) => sweep(items, fields, group_field),
        Facts::Strings(_) | Facts::Ports(_) | Facts::History(_) | Facts::Layers(_) => Vec::new(),
    }
}

/// The table of one field's constant keys from its specialised loop; `None` for a field
/// without one.
#[cfg(test)]
pub(super) fn prepare_typed<'a>(
    facts: Facts<'a>,
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Index<'a>> {
    prepare_fields(facts, &[(accessor, keys)])
        .pop()
        .map(|(_, index)| index)
}

/// A field's loop over records of type `T`, when it has one.
type Maker<'a, T> = fn(Accessor, &[Key<'a>]) -> Option<Box<dyn FieldSweep<'a, T> + 'a>>;

fn sweep<'a, T>(
    items: &[T],
    fields: &[(Accessor, &[Key<'a>])],
    make: Maker<'a, T>,
) -> Vec<(Accessor, Index<'a>)> {
    let mut sweeps: Vec<(Accessor, Box<dyn FieldSweep<'a, T> + 'a>)> = fields
        .iter()
        .filter_map(|(accessor, keys)| Some((*accessor, make(*accessor, keys)?)))
        .collect();
    if sweeps.is_empty() {
        return Vec::new();
    }
    for (number, block) in items.chunks(BLOCK).enumerate() {
        for (_, field) in &mut sweeps {
            field.sweep(block, number * BLOCK);
        }
    }
    sweeps
        .into_iter()
        .map(|(accessor, field)| (accessor, field.finish()))
        .collect()
}

fn file_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, File> + 'a>> {
    use Accessor as A;
    match accessor {
        A::FilePath => text(|f: &File| &f.path, keys),
        A::FileSetuid => scalar(|f: &File| f.setuid, key_bool, keys),
        A::FileSetgid => scalar(|f: &File| f.setgid, key_bool, keys),
        A::FileTruncated => scalar(|f: &File| f.truncated, key_bool, keys),
        A::FileLayer => scalar(|f: &File| f.layer, key_int, keys),
        A::FileKindField => scalar(|f: &File| f.kind as u16, key_variant(FILE_KIND), keys),
        _ => None,
    }
}

fn package_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, Package> + 'a>> {
    use Accessor as A;
    match accessor {
        A::PackageName => text(|p: &Package| &p.name, keys),
        A::PackagePurl => text(|p: &Package| &p.purl, keys),
        A::PackageSourceName => text(|p: &Package| &p.source_name, keys),
        A::PackagePath => text(|p: &Package| &p.path, keys),
        A::PackageLayer => scalar(|p: &Package| p.layer, key_int, keys),
        _ => None,
    }
}

fn vulnerability_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, Vulnerability> + 'a>> {
    use Accessor as A;
    match accessor {
        A::VulnerabilityId => text(|v: &Vulnerability| &v.id, keys),
        A::VulnerabilitySeverity => scalar(
            |v: &Vulnerability| v.severity as u16,
            key_variant(SEVERITY),
            keys,
        ),
        A::VulnerabilityFixState => scalar(
            |v: &Vulnerability| v.fix_state as u16,
            key_variant(FIX_STATE),
            keys,
        ),
        _ => None,
    }
}

fn secret_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, Secret> + 'a>> {
    use Accessor as A;
    match accessor {
        A::SecretRule => text(|s: &Secret| &s.rule, keys),
        A::SecretCategory => text(|s: &Secret| &s.category, keys),
        A::SecretPath => text(|s: &Secret| &s.path, keys),
        A::SecretPresent => scalar(|s: &Secret| s.present, key_bool, keys),
        A::SecretSeverity => scalar(|s: &Secret| s.severity as u16, key_variant(SEVERITY), keys),
        A::SecretLayer => scalar(|s: &Secret| s.layer, key_int, keys),
        _ => None,
    }
}

fn user_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, User> + 'a>> {
    match accessor {
        Accessor::UserName => text(|u: &User| &u.name, keys),
        _ => None,
    }
}

fn group_field<'a>(
    accessor: Accessor,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, Group> + 'a>> {
    match accessor {
        Accessor::GroupName => text(|g: &Group| &g.name, keys),
        _ => None,
    }
}

/// A position in a collection as an index stores it.
fn position(first: usize, offset: usize) -> u32 {
    u32::try_from(first + offset).unwrap_or(u32::MAX)
}

/// The loop over a text field read by `read`. Keys that are not text equal no element (a text
/// field's key is always text).
struct TextSweep<'a, R> {
    read: R,
    keys: Vec<Key<'a>>,
    /// The text keys and their slots in `keys`, compared in turn when they are few.
    wanted: Vec<(usize, Box<str>)>,
    /// The same, by text, when they are many.
    slots: Option<HashMap<Box<str>, usize>>,
    /// Bit `n` is set when a key is `n` bytes long (bit 63: 63 bytes or more). Most elements
    /// equal no key, and their length says so without reading their text.
    lengths: u64,
    members: Vec<Vec<u32>>,
}

/// The bit of [`TextSweep::lengths`] for a text of `len` bytes.
fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

fn text<'a, T, R>(read: R, keys: &[Key<'a>]) -> Option<Box<dyn FieldSweep<'a, T> + 'a>>
where
    R: Fn(&T) -> &String + 'a,
    T: 'a,
{
    let wanted: Vec<(usize, Box<str>)> = keys
        .iter()
        .enumerate()
        .filter_map(|(slot, key)| match key {
            Key::Str(text) => Some((slot, Box::from(text.as_str()))),
            _ => None,
        })
        .collect();
    let slots = (wanted.len() > LINEAR_KEYS).then(|| {
        wanted
            .iter()
            .cloned()
            .map(|(slot, key)| (key, slot))
            .collect()
    });
    let lengths = wanted
        .iter()
        .fold(0, |lengths, (_, key)| lengths | length_bit(key.len()));
    Some(Box::new(TextSweep {
        read,
        keys: keys.to_vec(),
        wanted,
        slots,
        lengths,
        members: vec![Vec::new(); keys.len()],
    }))
}

impl<'a, T, R: Fn(&T) -> &String> FieldSweep<'a, T> for TextSweep<'a, R> {
    fn sweep(&mut self, block: &[T], first: usize) {
        match &self.slots {
            None => {
                for (offset, item) in block.iter().enumerate() {
                    let value = (self.read)(item).as_str();
                    if self.lengths & length_bit(value.len()) == 0 {
                        continue;
                    }
                    // The keys are distinct: at most one matches.
                    if let Some((slot, _)) = self.wanted.iter().find(|(_, key)| **key == *value)
                        && let Some(found) = self.members.get_mut(*slot)
                    {
                        found.push(position(first, offset));
                    }
                }
            }
            Some(slots) => {
                for (offset, item) in block.iter().enumerate() {
                    let value = (self.read)(item).as_str();
                    if self.lengths & length_bit(value.len()) == 0 {
                        continue;
                    }
                    if let Some(found) = slots
                        .get(value)
                        .and_then(|slot| self.members.get_mut(*slot))
                    {
                        found.push(position(first, offset));
                    }
                }
            }
        }
    }

    fn finish(self: Box<Self>) -> Index<'a> {
        let TextSweep { keys, members, .. } = *self;
        Index::from_groups(keys.into_iter().zip(members).collect())
    }
}

/// The loop over a scalar field (a boolean, an integer, an enum's variant) read by `read`.
struct ScalarSweep<'a, R, S> {
    read: R,
    keys: Vec<Key<'a>>,
    /// The keys in the field's terms and their slots in `keys`.
    wanted: Vec<(usize, S)>,
    members: Vec<Vec<u32>>,
}

/// `scalar` gives a key's value in the field's terms, or `None` for a key of another kind
/// (which equals no element). `None` for more keys than a linear search suits.
fn scalar<'a, T, R, S>(
    read: R,
    scalar: impl Fn(&Key<'a>) -> Option<S>,
    keys: &[Key<'a>],
) -> Option<Box<dyn FieldSweep<'a, T> + 'a>>
where
    R: Fn(&T) -> S + 'a,
    S: PartialEq + Copy + 'a,
    T: 'a,
{
    let wanted: Vec<(usize, S)> = keys
        .iter()
        .enumerate()
        .filter_map(|(slot, key)| Some((slot, scalar(key)?)))
        .collect();
    if wanted.len() > LINEAR_KEYS {
        return None;
    }
    Some(Box::new(ScalarSweep {
        read,
        keys: keys.to_vec(),
        wanted,
        members: vec![Vec::new(); keys.len()],
    }))
}

impl<'a, T, R: Fn(&T) -> S, S: PartialEq + Copy> FieldSweep<'a, T> for ScalarSweep<'a, R, S> {
    fn sweep(&mut self, block: &[T], first: usize) {
        if let [(slot, key)] = self.wanted.as_slice()
            && let Some(found) = self.members.get_mut(*slot)
        {
            // One key (`f.setuid`, one severity): a test per element.
            for (offset, item) in block.iter().enumerate() {
                if (self.read)(item) == *key {
                    found.push(position(first, offset));
                }
            }
            return;
        }
        for (offset, item) in block.iter().enumerate() {
            let value = (self.read)(item);
            // The keys are distinct: at most one matches.
            if let Some((slot, _)) = self.wanted.iter().find(|(_, key)| *key == value)
                && let Some(found) = self.members.get_mut(*slot)
            {
                found.push(position(first, offset));
            }
        }
    }

    fn finish(self: Box<Self>) -> Index<'a> {
        let ScalarSweep { keys, members, .. } = *self;
        Index::from_groups(keys.into_iter().zip(members).collect())
    }
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
