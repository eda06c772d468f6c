//! The prepared sweep: one pass over a facts collection that files each element under the
//! program's constant key it equals, for every field of that collection the program looks up
//! with constant keys at once.
//!
//! The fields policies filter on get a loop specialised to the record type and the field, which
//! compares each element's `&str` (or scalar) with the keys directly: the generic pass costs
//! about 170 instructions per element (a `Value` and a `Key` built and dropped, a call per read
//! and per visit), this one a few.
//!
//! A pass over 200,000 files is bound by memory, not by comparisons: each `File` is 112 bytes,
//! so the array is larger than the cache and every pass streams it from memory again. The sweep
//! therefore walks the collection in blocks small enough to stay in the core's cache and runs
//! every field's loop over a block before moving on: `f.path == "…"` and `f.setuid` rules share
//! one trip through memory.

use foldhash::HashMap;
use tollgate_facts::{File, Group, Package, Secret, User, Vulnerability};

use super::{Index, LINEAR_KEYS, group_by};
use crate::access::{Accessor, FILE_KIND, FIX_STATE, SEVERITY};
use crate::value::{Facts, Key, Str};

/// Elements per block: 64 files are 7 KB, inside a core's L1 cache. Measured over 200,000
/// files with a text and a boolean field (`workload evaluate`): blocks of 32 to 96 elements
/// took half the time of two whole passes; blocks of 256 or more (past the 32 KB L1) were
/// slower than two whole passes.
const BLOCK: usize = 64;

/// One field's part of a sweep.
trait FieldSweep<T> {
    /// Files the elements of `block`, which starts at position `first` of the collection.
    fn sweep(&mut self, block: &[T], first: usize);
    /// Each key's elements, in the order of the keys the sweep was made for.
    fn into_members(self: Box<Self>) -> Vec<Vec<u32>>;
}

/// A boxed field sweep.
type Sweep<T> = Box<dyn FieldSweep<T>>;

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

/// The full index of a plain text field (a join's key: `p.name == v.package.name`), grouped
/// by each element's `&str`; `None` for the other fields.
pub(super) fn build_text<'a>(facts: Facts<'a>, accessor: Accessor) -> Option<Index<'a>> {
    use Accessor as A;
    fn by<'a, T>(items: &'a [T], read: impl Fn(&'a T) -> &'a str) -> Index<'a> {
        let keyed = items
            .iter()
            .enumerate()
            .map(|(offset, item)| (position(0, offset), read(item)));
        group_by(keyed, |text| Key::Str(Str::Borrowed(text)))
    }
    Some(match (facts, accessor) {
        (Facts::Files(items), A::FilePath) => by(items, |f| &f.path),
        (Facts::Packages(items), A::PackageName) => by(items, |p| &p.name),
        (Facts::Packages(items), A::PackagePurl) => by(items, |p| &p.purl),
        (Facts::Packages(items), A::PackageSourceName) => by(items, |p| &p.source_name),
        (Facts::Packages(items), A::PackagePath) => by(items, |p| &p.path),
        (Facts::Vulnerabilities(items), A::VulnerabilityId) => by(items, |v| &v.id),
        (Facts::Secrets(items), A::SecretRule) => by(items, |s| &s.rule),
        (Facts::Secrets(items), A::SecretCategory) => by(items, |s| &s.category),
        (Facts::Secrets(items), A::SecretPath) => by(items, |s| &s.path),
        (Facts::Users(items), A::UserName) => by(items, |u| &u.name),
        (Facts::Groups(items), A::GroupName) => by(items, |g| &g.name),
        _ => return None,
    })
}

/// A field's loop over records of type `T`, when it has one.
type Maker<T> = for<'k> fn(Accessor, &[Key<'k>]) -> Option<Sweep<T>>;

fn sweep<'a, T>(
    items: &[T],
    fields: &[(Accessor, &[Key<'a>])],
    make: Maker<T>,
) -> Vec<(Accessor, Index<'a>)> {
    let mut swept = Vec::new();
    let mut sweeps = Vec::new();
    for (accessor, keys) in fields {
        if let Some(field) = make(*accessor, keys) {
            swept.push((*accessor, *keys));
            sweeps.push(field);
        }
    }
    if sweeps.is_empty() {
        return Vec::new();
    }
    swept
        .into_iter()
        .zip(sweep_blocks(items, sweeps))
        .map(|((accessor, keys), members)| {
            let groups = keys.iter().cloned().zip(members).collect();
            (accessor, Index::from_groups(groups))
        })
        .collect()
}

/// Sweeps `items` block by block; each field's members.
fn sweep_blocks<T>(items: &[T], mut sweeps: Vec<Sweep<T>>) -> Vec<Vec<Vec<u32>>> {
    for (number, block) in items.chunks(BLOCK).enumerate() {
        for field in &mut sweeps {
            field.sweep(block, number * BLOCK);
        }
    }
    sweeps
        .into_iter()
        .map(|field| field.into_members())
        .collect()
}

fn file_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<File>> {
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

fn package_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<Package>> {
    use Accessor as A;
    match accessor {
        A::PackageName => text(|p: &Package| &p.name, keys),
        A::PackagePurl => text(|p: &Package| &p.purl, keys),
        A::PackageSourceName => text(|p: &Package| &p.source_name, keys),
        A::PackagePath => text(|p: &Package| &p.path, keys),
        A::PackageLayer => scalar(|p: &Package| p.layer, key_int, keys),
        A::PackageLicenses => text_items(|p: &Package| &p.licenses, keys),
        _ => None,
    }
}

fn vulnerability_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<Vulnerability>> {
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

fn secret_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<Secret>> {
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

fn user_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<User>> {
    match accessor {
        Accessor::UserName => text(|u: &User| &u.name, keys),
        _ => None,
    }
}

fn group_field(accessor: Accessor, keys: &[Key<'_>]) -> Option<Sweep<Group>> {
    match accessor {
        Accessor::GroupName => text(|g: &Group| &g.name, keys),
        _ => None,
    }
}

/// The text keys and their slots among `keys`. Keys that are not text equal no element of a
/// text field.
fn text_keys(keys: &[Key<'_>]) -> Vec<(usize, Box<str>)> {
    keys.iter()
        .enumerate()
        .filter_map(|(slot, key)| match key {
            Key::Str(text) => Some((slot, Box::from(text.as_str()))),
            _ => None,
        })
        .collect()
}

/// A position in a collection as an index stores it.
fn position(first: usize, offset: usize) -> u32 {
    u32::try_from(first + offset).unwrap_or(u32::MAX)
}

/// The loop over a text field read by `read`. Keys that are not text equal no element (a text
/// field's key is always text).
struct TextSweep<R> {
    read: R,
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

fn text<T: 'static, R>(read: R, keys: &[Key<'_>]) -> Option<Sweep<T>>
where
    R: Fn(&T) -> &String + 'static,
{
    let wanted = text_keys(keys);
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
        wanted,
        slots,
        lengths,
        members: vec![Vec::new(); keys.len()],
    }))
}

impl<T, R: Fn(&T) -> &String> FieldSweep<T> for TextSweep<R> {
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

    fn into_members(self: Box<Self>) -> Vec<Vec<u32>> {
        self.members
    }
}

/// The loop over a list-of-text field read by `read`: each element is filed once under each
/// key its list has.
struct TextItemsSweep<R> {
    read: R,
    /// The text keys and their slots in the keys.
    wanted: Vec<(usize, Box<str>)>,
    members: Vec<Vec<u32>>,
}

fn text_items<T: 'static, R>(read: R, keys: &[Key<'_>]) -> Option<Sweep<T>>
where
    R: Fn(&T) -> &Vec<String> + 'static,
{
    let wanted = text_keys(keys);
    if wanted.len() > LINEAR_KEYS {
        return None;
    }
    Some(Box::new(TextItemsSweep {
        read,
        wanted,
        members: vec![Vec::new(); keys.len()],
    }))
}

impl<T, R: Fn(&T) -> &Vec<String>> FieldSweep<T> for TextItemsSweep<R> {
    fn sweep(&mut self, block: &[T], first: usize) {
        for (offset, item) in block.iter().enumerate() {
            let position = position(first, offset);
            for value in (self.read)(item) {
                if let Some((slot, _)) = self.wanted.iter().find(|(_, key)| **key == **value)
                    && let Some(found) = self.members.get_mut(*slot)
                    && found.last() != Some(&position)
                {
                    found.push(position);
                }
            }
        }
    }

    fn into_members(self: Box<Self>) -> Vec<Vec<u32>> {
        self.members
    }
}

/// The loop over a scalar field (a boolean, an integer, an enum's variant) read by `read`.
struct ScalarSweep<R, S> {
    read: R,
    /// The keys in the field's terms and their slots in `keys`.
    wanted: Vec<(usize, S)>,
    members: Vec<Vec<u32>>,
}

/// `scalar` gives a key's value in the field's terms, or `None` for a key of another kind
/// (which equals no element). `None` for more keys than a linear search suits.
fn scalar<'k, T: 'static, R, S>(
    read: R,
    scalar: impl Fn(&Key<'k>) -> Option<S>,
    keys: &[Key<'k>],
) -> Option<Sweep<T>>
where
    R: Fn(&T) -> S + 'static,
    S: PartialEq + Copy + 'static,
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
        wanted,
        members: vec![Vec::new(); keys.len()],
    }))
}

impl<T, R: Fn(&T) -> S, S: PartialEq + Copy> FieldSweep<T> for ScalarSweep<R, S> {
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

    fn into_members(self: Box<Self>) -> Vec<Vec<u32>> {
        self.members
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
