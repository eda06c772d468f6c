//! Runtime values. They are small and cheap to copy: strings borrow from the facts or the
//! linked program when they can, records are references into the facts (never copies), and
//! facts collections are borrowed slices. Only values built while evaluating (lists,
//! interpolated strings) own their data, behind `Rc`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use tollgate_facts::{
    DatabaseInfo, Date, Distro, Ecosystem, File, Group, Healthcheck, HistoryEntry, Image, Layer,
    Package, PackageRef, Port, Secret, Timestamp, User, Vulnerability,
};

/// A string, borrowed or shared.
#[derive(Clone, Debug)]
pub enum Str<'a> {
    /// Borrowed from the facts or the program.
    Borrowed(&'a str),
    /// Built during evaluation.
    Shared(Rc<str>),
}

impl<'a> Str<'a> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Str::Borrowed(text) => text,
            Str::Shared(text) => text,
        }
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str<'_> {}

impl Hash for Str<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// An enum value: the VM's enum id and the variant's position (which orders it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumValue {
    /// Enum id in the linked program's enum table.
    pub ty: u16,
    /// Variant position.
    pub variant: u16,
}

/// A record of the facts, by reference.
#[derive(Clone, Copy, Debug)]
pub enum Rec<'a> {
    /// `Image`.
    Image(&'a Image),
    /// `Distro`.
    Distro(&'a Distro),
    /// `Config`.
    Config(&'a tollgate_facts::Config),
    /// `Port`.
    Port(&'a Port),
    /// `Healthcheck`.
    Healthcheck(&'a Healthcheck),
    /// `HistoryEntry`.
    HistoryEntry(&'a HistoryEntry),
    /// `Layer`.
    Layer(&'a Layer),
    /// `File`.
    File(&'a File),
    /// `Package`.
    Package(&'a Package),
    /// `PackageRef`.
    PackageRef(&'a PackageRef),
    /// `Vulnerability`.
    Vulnerability(&'a Vulnerability),
    /// `Secret`.
    Secret(&'a Secret),
    /// `User`.
    User(&'a User),
    /// `Group`.
    Group(&'a Group),
    /// `DatabaseInfo`.
    DatabaseInfo(&'a DatabaseInfo),
}

impl Rec<'_> {
    /// The address of the referenced record: records compare by identity.
    fn address(&self) -> usize {
        match self {
            Rec::Image(r) => std::ptr::from_ref(*r) as usize,
            Rec::Distro(r) => std::ptr::from_ref(*r) as usize,
            Rec::Config(r) => std::ptr::from_ref(*r) as usize,
            Rec::Port(r) => std::ptr::from_ref(*r) as usize,
            Rec::Healthcheck(r) => std::ptr::from_ref(*r) as usize,
            Rec::HistoryEntry(r) => std::ptr::from_ref(*r) as usize,
            Rec::Layer(r) => std::ptr::from_ref(*r) as usize,
            Rec::File(r) => std::ptr::from_ref(*r) as usize,
            Rec::Package(r) => std::ptr::from_ref(*r) as usize,
            Rec::PackageRef(r) => std::ptr::from_ref(*r) as usize,
            Rec::Vulnerability(r) => std::ptr::from_ref(*r) as usize,
            Rec::Secret(r) => std::ptr::from_ref(*r) as usize,
            Rec::User(r) => std::ptr::from_ref(*r) as usize,
            Rec::Group(r) => std::ptr::from_ref(*r) as usize,
            Rec::DatabaseInfo(r) => std::ptr::from_ref(*r) as usize,
        }
    }

    /// The schema type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Rec::Image(_) => "Image",
            Rec::Distro(_) => "Distro",
            Rec::Config(_) => "Config",
            Rec::Port(_) => "Port",
            Rec::Healthcheck(_) => "Healthcheck",
            Rec::HistoryEntry(_) => "HistoryEntry",
            Rec::Layer(_) => "Layer",
            Rec::File(_) => "File",
            Rec::Package(_) => "Package",
            Rec::PackageRef(_) => "PackageRef",
            Rec::Vulnerability(_) => "Vulnerability",
            Rec::Secret(_) => "Secret",
            Rec::User(_) => "User",
            Rec::Group(_) => "Group",
            Rec::DatabaseInfo(_) => "DatabaseInfo",
        }
    }
}

/// A collection borrowed from the facts.
#[derive(Clone, Copy, Debug)]
pub enum Facts<'a> {
    /// `list<string>`.
    Strings(&'a [String]),
    /// `list<Port>`.
    Ports(&'a [Port]),
    /// `list<HistoryEntry>`.
    History(&'a [HistoryEntry]),
    /// `list<Layer>`.
    Layers(&'a [Layer]),
    /// `list<File>`.
    Files(&'a [File]),
    /// `list<Package>`.
    Packages(&'a [Package]),
    /// `list<Vulnerability>`.
    Vulnerabilities(&'a [Vulnerability]),
    /// `list<Secret>`.
    Secrets(&'a [Secret]),
    /// `list<User>`.
    Users(&'a [User]),
    /// `list<Group>`.
    Groups(&'a [Group]),
}

impl<'a> Facts<'a> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Facts::Strings(items) => items.len(),
            Facts::Ports(items) => items.len(),
            Facts::History(items) => items.len(),
            Facts::Layers(items) => items.len(),
            Facts::Files(items) => items.len(),
            Facts::Packages(items) => items.len(),
            Facts::Vulnerabilities(items) => items.len(),
            Facts::Secrets(items) => items.len(),
            Facts::Users(items) => items.len(),
            Facts::Groups(items) => items.len(),
        }
    }

    /// Element `index` as a value.
    pub fn get(&self, index: usize) -> Option<Value<'a>> {
        Some(match self {
            Facts::Strings(items) => Value::Str(Str::Borrowed(items.get(index)?)),
            Facts::Ports(items) => Value::Rec(Rec::Port(items.get(index)?)),
            Facts::History(items) => Value::Rec(Rec::HistoryEntry(items.get(index)?)),
            Facts::Layers(items) => Value::Rec(Rec::Layer(items.get(index)?)),
            Facts::Files(items) => Value::Rec(Rec::File(items.get(index)?)),
            Facts::Packages(items) => Value::Rec(Rec::Package(items.get(index)?)),
            Facts::Vulnerabilities(items) => Value::Rec(Rec::Vulnerability(items.get(index)?)),
            Facts::Secrets(items) => Value::Rec(Rec::Secret(items.get(index)?)),
            Facts::Users(items) => Value::Rec(Rec::User(items.get(index)?)),
            Facts::Groups(items) => Value::Rec(Rec::Group(items.get(index)?)),
        })
    }

    /// The slice's identity (address, length, kind): the key of its indexes.
    pub fn identity(&self) -> (usize, usize, u8) {
        let (address, kind) = match self {
            Facts::Strings(items) => (items.as_ptr() as usize, 0),
            Facts::Ports(items) => (items.as_ptr() as usize, 1),
            Facts::History(items) => (items.as_ptr() as usize, 2),
            Facts::Layers(items) => (items.as_ptr() as usize, 3),
            Facts::Files(items) => (items.as_ptr() as usize, 4),
            Facts::Packages(items) => (items.as_ptr() as usize, 5),
            Facts::Vulnerabilities(items) => (items.as_ptr() as usize, 6),
            Facts::Secrets(items) => (items.as_ptr() as usize, 7),
            Facts::Users(items) => (items.as_ptr() as usize, 8),
            Facts::Groups(items) => (items.as_ptr() as usize, 9),
        };
        (address, self.len(), kind)
    }
}

/// A run of positions in a shared array: the elements an index lookup selected.
#[derive(Clone, Debug)]
pub struct Positions {
    all: Rc<[u32]>,
    start: usize,
    end: usize,
}

impl Positions {
    /// `all[start..end]`.
    pub fn new(all: Rc<[u32]>, start: usize, end: usize) -> Positions {
        let end = end.min(all.len());
        Positions {
            all,
            start: start.min(end),
            end,
        }
    }

    /// Every position of `all`.
    pub fn whole(all: Rc<[u32]>) -> Positions {
        let end = all.len();
        Positions { all, start: 0, end }
    }

    /// Number of positions.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// The run's positions.
    pub fn as_slice(&self) -> &[u32] {
        self.all.get(self.start..self.end).unwrap_or(&[])
    }

    /// Position `index` of the run.
    pub fn get(&self, index: usize) -> Option<u32> {
        if index >= self.len() {
            return None;
        }
        self.all.get(self.start + index).copied()
    }
}

/// A value on the VM's stack.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    /// `none`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Str<'a>),
    /// A version and the ecosystem whose ordering it follows.
    Version(Str<'a>, Ecosystem),
    /// An enum variant.
    Enum(EnumValue),
    /// A calendar date.
    Date(Date),
    /// An instant.
    Time(Timestamp),
    /// A duration in seconds.
    Duration(i64),
    /// A list built during evaluation.
    List(Rc<Vec<Value<'a>>>),
    /// A set: sorted by [`total_cmp`], without duplicates.
    Set(Rc<Vec<Value<'a>>>),
    /// A map: entries sorted by key, keys distinct.
    Map(Rc<Vec<(Value<'a>, Value<'a>)>>),
    /// A `map<string, string>` of the facts (env, labels).
    StrMap(&'a BTreeMap<String, String>),
    /// A collection of the facts.
    Facts(Facts<'a>),
    /// The elements of a facts collection at these positions (an index lookup's result).
    Picked(Facts<'a>, Positions),
    /// A record of the facts.
    Rec(Rec<'a>),
}

impl<'a> Value<'a> {
    /// A borrowed string value.
    pub fn str(text: &'a str) -> Value<'a> {
        Value::Str(Str::Borrowed(text))
    }

    /// An owned string value.
    pub fn string(text: String) -> Value<'a> {
        Value::Str(Str::Shared(Rc::from(text)))
    }

    /// The optional string as a value.
    pub fn opt_str(text: &'a Option<String>) -> Value<'a> {
        text.as_deref().map_or(Value::None, Value::str)
    }

    /// A name for the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Version(..) => "version",
            Value::Enum(_) => "enum",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Duration(_) => "duration",
            Value::List(_) | Value::Facts(_) | Value::Picked(..) => "list",
            Value::Set(_) => "set",
            Value::Map(_) | Value::StrMap(_) => "map",
            Value::Rec(rec) => rec.type_name(),
        }
    }

    /// The number of elements of a collection.
    pub fn collection_len(&self) -> Option<usize> {
        match self {
            Value::List(items) | Value::Set(items) => Some(items.len()),
            Value::Map(entries) => Some(entries.len()),
            Value::StrMap(map) => Some(map.len()),
            Value::Facts(facts) => Some(facts.len()),
            Value::Picked(_, positions) => Some(positions.len()),
            _ => None,
        }
    }

    /// Element `index` of an iterable (lists, sets, facts collections; a map yields its keys).
    pub fn element(&self, index: usize) -> Option<Value<'a>> {
        match self {
            Value::List(items) | Value::Set(items) => items.get(index).cloned(),
            Value::Map(entries) => entries.get(index).map(|(key, _)| key.clone()),
            Value::StrMap(map) => map.keys().nth(index).map(|key| Value::str(key)),
            Value::Facts(facts) => facts.get(index),
            Value::Picked(facts, positions) => facts.get(positions.get(index)? as usize),
            _ => None,
        }
    }

    /// Every element, materialised (for builtins; rules iterate without this).
    pub fn elements(&self) -> Option<Vec<Value<'a>>> {
        match self {
            Value::StrMap(map) => Some(map.keys().map(|key| Value::str(key)).collect()),
            other => {
                let len = other.collection_len()?;
                Some((0..len).filter_map(|index| other.element(index)).collect())
            }
        }
    }
}

/// The key of a hash index: the values a field can be indexed on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key<'a> {
    /// `none`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string or version text.
    Str(Str<'a>),
    /// An enum variant.
    Enum(EnumValue),
}

impl<'a> Key<'a> {
    /// The key of a value, taking it (no clone, no drop of the value on the hot path).
    #[inline]
    pub fn from_value(value: Value<'a>) -> Option<Key<'a>> {
        Some(match value {
            Value::None => Key::None,
            Value::Bool(flag) => Key::Bool(flag),
            Value::Int(number) => Key::Int(number),
            Value::Str(text) | Value::Version(text, _) => Key::Str(text),
            Value::Enum(variant) => Key::Enum(variant),
            _ => return None,
        })
    }

    /// A cheap summary that differs whenever the keys differ in kind, length or scalar value:
    /// compared first, it spares most full comparisons.
    #[inline]
    pub fn summary(&self) -> u64 {
        match self {
            Key::None => 0,
            Key::Bool(flag) => u64::from(*flag),
            Key::Int(number) => number.unsigned_abs(),
            Key::Str(text) => text.as_str().len() as u64,
            Key::Enum(variant) => (u64::from(variant.ty) << 16) | u64::from(variant.variant),
        }
    }

    /// The key of a value, when it has one.
    pub fn of(value: &Value<'a>) -> Option<Key<'a>> {
        Some(match value {
            Value::None => Key::None,
            Value::Bool(flag) => Key::Bool(*flag),
            Value::Int(number) => Key::Int(*number),
            Value::Str(text) | Value::Version(text, _) => Key::Str(text.clone()),
            Value::Enum(variant) => Key::Enum(*variant),
            _ => return None,
        })
    }
}

/// Compares two versions: with the ecosystem of the side that has one.
pub fn compare_versions(a: &str, a_eco: Ecosystem, b: &str, b_eco: Ecosystem) -> Ordering {
    let ecosystem = if a_eco == Ecosystem::Unknown {
        b_eco
    } else {
        a_eco
    };
    tollgate_versions::compare(ecosystem, a, b)
}

/// Equality as the language's `==` defines it; `None` when the kinds cannot be compared.
pub fn equal(a: &Value<'_>, b: &Value<'_>) -> Option<bool> {
    Some(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::None, _) | (_, Value::None) => false,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        #[allow(clippy::cast_precision_loss)] // reason: mixed int/float comparison is by value
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Version(x, xe), Value::Version(y, ye)) => {
            compare_versions(x.as_str(), *xe, y.as_str(), *ye) == Ordering::Equal
        }
        (Value::Version(x, xe), Value::Str(y)) | (Value::Str(y), Value::Version(x, xe)) => {
            compare_versions(x.as_str(), *xe, y.as_str(), *xe) == Ordering::Equal
        }
        (Value::Enum(x), Value::Enum(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::Time(x), Value::Time(y)) => x == y,
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Rec(x), Value::Rec(y)) => x.address() == y.address(),
        (Value::StrMap(x), Value::StrMap(y)) => x == y,
        _ => {
            let xs = a.elements()?;
            let ys = b.elements()?;
            if a.kind() != b.kind() {
                return None;
            }
            xs.len() == ys.len() && xs.iter().zip(&ys).all(|(x, y)| equal(x, y) == Some(true))
        }
    })
}

/// Ordering as `<`, `<=`, `>`, `>=` define it; `None` when the kinds are not ordered together.
pub fn order(a: &Value<'_>, b: &Value<'_>) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        #[allow(clippy::cast_precision_loss)] // reason: mixed int/float comparison is by value
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        #[allow(clippy::cast_precision_loss)] // reason: mixed int/float comparison is by value
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Str(x), Value::Str(y)) => Some(x.as_str().cmp(y.as_str())),
        (Value::Version(x, xe), Value::Version(y, ye)) => {
            Some(compare_versions(x.as_str(), *xe, y.as_str(), *ye))
        }
        (Value::Version(x, xe), Value::Str(y)) => {
            Some(compare_versions(x.as_str(), *xe, y.as_str(), *xe))
        }
        (Value::Str(x), Value::Version(y, ye)) => {
            Some(compare_versions(x.as_str(), *ye, y.as_str(), *ye))
        }
        (Value::Enum(x), Value::Enum(y)) if x.ty == y.ty => Some(x.variant.cmp(&y.variant)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn rank(value: &Value<'_>) -> u8 {
    match value {
        Value::None => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) => 2,
        Value::Str(_) => 3,
        Value::Version(..) => 4,
        Value::Enum(_) => 5,
        Value::Date(_) => 6,
        Value::Time(_) => 7,
        Value::Duration(_) => 8,
        Value::List(_) | Value::Facts(_) | Value::Picked(..) => 9,
        Value::Set(_) => 10,
        Value::Map(_) | Value::StrMap(_) => 11,
        Value::Rec(_) => 12,
    }
}

/// A total order over every value, for sets, map keys and `sorted`: the language order where
/// there is one, then by kind.
pub fn total_cmp(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    if let Some(ordering) = order(a, b) {
        return ordering;
    }
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Enum(x), Value::Enum(y)) => x.cmp(y),
        (Value::Rec(x), Value::Rec(y)) => x.address().cmp(&y.address()),
        _ => match (a.elements(), b.elements()) {
            (Some(xs), Some(ys)) => {
                for (x, y) in xs.iter().zip(&ys) {
                    let ordering = total_cmp(x, y);
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
                xs.len().cmp(&ys.len())
            }
            _ => Ordering::Equal,
        },
    }
}

/// Sorts and deduplicates values into set order.
pub fn into_set(mut items: Vec<Value<'_>>) -> Vec<Value<'_>> {
    items.sort_by(total_cmp);
    items.dedup_by(|x, y| total_cmp(x, y) == Ordering::Equal);
    items
}

/// Whether `needle` is an element of `haystack` (a key, for maps; a substring, for strings).
pub fn contains(haystack: &Value<'_>, needle: &Value<'_>) -> Option<bool> {
    Some(match haystack {
        Value::Set(items) => {
            items
                .binary_search_by(|item| total_cmp(item, needle))
                .is_ok()
                || items.iter().any(|item| equal(item, needle) == Some(true))
        }
        Value::Map(entries) => entries
            .iter()
            .any(|(key, _)| equal(key, needle) == Some(true)),
        Value::StrMap(map) => match needle {
            Value::Str(key) => map.contains_key(key.as_str()),
            _ => false,
        },
        Value::Str(text) => match needle {
            Value::Str(part) => text.as_str().contains(part.as_str()),
            _ => return None,
        },
        Value::Facts(Facts::Strings(items)) => match needle {
            Value::Str(text) => items.iter().any(|item| item == text.as_str()),
            _ => false,
        },
        other => {
            let len = other.collection_len()?;
            (0..len).any(|index| {
                other
                    .element(index)
                    .is_some_and(|item| equal(&item, needle) == Some(true))
            })
        }
    })
}

/// Enum names, for formatting: `names[ty][variant]` in PascalCase.
pub type EnumNames = [(String, Vec<String>)];

/// Formats a value as message interpolation shows it.
pub fn display(value: &Value<'_>, enums: &EnumNames, out: &mut String) {
    let _ = write_value(value, enums, out);
}

fn write_value(value: &Value<'_>, enums: &EnumNames, out: &mut String) -> fmt::Result {
    match value {
        Value::None => out.write_str("none"),
        Value::Bool(flag) => write!(out, "{flag}"),
        Value::Int(number) => write!(out, "{number}"),
        Value::Float(number) => write!(out, "{number}"),
        Value::Str(text) | Value::Version(text, _) => out.write_str(text.as_str()),
        Value::Enum(variant) => {
            let name = enums
                .get(usize::from(variant.ty))
                .and_then(|(_, variants)| variants.get(usize::from(variant.variant)));
            out.write_str(&kebab(name.map_or("?", String::as_str)))
        }
        Value::Date(date) => write!(out, "{date}"),
        Value::Time(time) => write!(out, "{time}"),
        Value::Duration(seconds) => {
            write!(out, "{}", tollgate_facts::Duration::from_seconds(*seconds))
        }
        Value::Map(entries) => {
            out.write_char('{')?;
            for (position, (key, item)) in entries.iter().enumerate() {
                if position > 0 {
                    out.write_str(", ")?;
                }
                write_value(key, enums, out)?;
                out.write_str(": ")?;
                write_value(item, enums, out)?;
            }
            out.write_char('}')
        }
        Value::StrMap(map) => {
            out.write_char('{')?;
            for (position, (key, item)) in map.iter().enumerate() {
                if position > 0 {
                    out.write_str(", ")?;
                }
                write!(out, "{key}: {item}")?;
            }
            out.write_char('}')
        }
        Value::Rec(rec) => out.write_str(rec.type_name()),
        collection => {
            let (open, close) = if matches!(collection, Value::Set(_)) {
                ('{', '}')
            } else {
                ('[', ']')
            };
            out.write_char(open)?;
            for (position, item) in collection.elements().unwrap_or_default().iter().enumerate() {
                if position > 0 {
                    out.write_str(", ")?;
                }
                write_value(item, enums, out)?;
            }
            out.write_char(close)
        }
    }
}

/// `NotFixed` -> `not-fixed`: the JSON spelling of an enum variant.
pub fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    for (position, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if position > 0 {
                out.push('-');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}
