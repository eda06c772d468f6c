//! Field accessors: every `record.field` of the facts schema as a direct read of the Rust
//! struct. The program names fields as strings; linking resolves each name to an
//! [`Accessor`] once, so evaluation never looks a name up.

use tollgate_facts::{
    Config, DatabaseInfo, Distro, Ecosystem, File, FileKind, FixState, Group, Healthcheck,
    HistoryEntry, Image, Layer, Package, PackageRef, PasswordState, Port, Secret, Severity, User,
    Vulnerability,
};

use crate::value::{EnumValue, Facts, Rec, Value};

/// VM enum id of `Severity`; the facts enums take the first ids of every linked program.
pub const SEVERITY: u16 = 0;
/// VM enum id of `Ecosystem`.
pub const ECOSYSTEM: u16 = 1;
/// VM enum id of `FileKind`.
pub const FILE_KIND: u16 = 2;
/// VM enum id of `FixState`.
pub const FIX_STATE: u16 = 3;
/// VM enum id of `PasswordState`.
pub const PASSWORD_STATE: u16 = 4;

/// The facts enums in id order, with their variants in PascalCase, as the schema declares them.
pub fn facts_enums() -> Vec<(String, Vec<String>)> {
    fn names<T: std::fmt::Debug>(all: &[T]) -> Vec<String> {
        all.iter().map(|variant| format!("{variant:?}")).collect()
    }
    vec![
        ("Severity".to_string(), names(Severity::ALL)),
        ("Ecosystem".to_string(), names(Ecosystem::ALL)),
        ("FileKind".to_string(), names(FileKind::ALL)),
        ("FixState".to_string(), names(FixState::ALL)),
        ("PasswordState".to_string(), names(PasswordState::ALL)),
    ]
}

fn severity<'a>(value: Severity) -> Value<'a> {
    Value::Enum(EnumValue {
        ty: SEVERITY,
        variant: value as u16,
    })
}

fn ecosystem<'a>(value: Ecosystem) -> Value<'a> {
    Value::Enum(EnumValue {
        ty: ECOSYSTEM,
        variant: value as u16,
    })
}

/// The `Ecosystem` an enum value denotes, when it is one.
pub fn ecosystem_of(value: EnumValue) -> Option<Ecosystem> {
    if value.ty != ECOSYSTEM {
        return None;
    }
    Ecosystem::ALL.get(usize::from(value.variant)).copied()
}

fn int<'a>(value: i64) -> Value<'a> {
    Value::Int(value)
}

fn uint<'a>(value: u64) -> Value<'a> {
    Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

fn opt_time<'a>(value: Option<tollgate_facts::Timestamp>) -> Value<'a> {
    value.map_or(Value::None, Value::Time)
}

fn opt_duration<'a>(value: Option<tollgate_facts::Duration>) -> Value<'a> {
    value.map_or(Value::None, |duration| Value::Duration(duration.seconds()))
}

macro_rules! accessors {
    ($( $rec:ident { $( $field:ident => $id:ident : |$r:ident| $e:expr ),* $(,)? } )*) => {
        /// A resolved field of a facts record.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Accessor { $($( #[doc = concat!(stringify!($rec), ".", stringify!($field))] $id, )*)* }

        /// The accessor of `record.field`, when the schema has it.
        pub fn resolve(record: &str, field: &str) -> Option<Accessor> {
            match (record, field) {
                $($( (stringify!($rec), stringify!($field)) => Some(Accessor::$id), )*)*
                _ => None,
            }
        }

        /// Reads a field; `None` when the record is not of the accessor's type.
        #[inline]
        pub fn read<'a>(rec: Rec<'a>, accessor: Accessor) -> Option<Value<'a>> {
            match (rec, accessor) {
                $($( (Rec::$rec($r), Accessor::$id) => Some($e), )*)*
                _ => None,
            }
        }

        /// Typed field reads of one record type: inlined into a loop over a facts collection,
        /// reading a field is a jump on the accessor, with no dispatch on the record type.
        pub trait Fields {
            /// The field's value; `None` when the accessor belongs to another record type.
            fn field<'a>(&'a self, accessor: Accessor) -> Option<Value<'a>>;
        }

        $(
            impl Fields for $rec {
                #[inline]
                fn field<'a>(&'a self, accessor: Accessor) -> Option<Value<'a>> {
                    #[allow(unreachable_patterns)] // reason: a record with every accessor
                    match accessor {
                        $( Accessor::$id => { let $r = self; Some($e) } )*
                        _ => None,
                    }
                }
            }
        )*

        impl Accessor {
            /// `Record.field`.
            pub fn name(self) -> &'static str {
                match self { $($( Accessor::$id => concat!(stringify!($rec), ".", stringify!($field)), )*)* }
            }
        }
    };
}

accessors! {
    Image {
        reference => ImageReference: |r| Value::str(&r.reference),
        digest => ImageDigest: |r| Value::str(&r.digest),
        tags => ImageTags: |r| Value::Facts(Facts::Strings(&r.tags)),
        created => ImageCreated: |r| opt_time(r.created),
        architecture => ImageArchitecture: |r| Value::str(&r.architecture),
        os => ImageOs: |r| Value::str(&r.os),
        size => ImageSize: |r| uint(r.size),
        distro => ImageDistro: |r| r.distro.as_ref().map_or(Value::None, |d| Value::Rec(Rec::Distro(d))),
        config => ImageConfig: |r| Value::Rec(Rec::Config(&r.config)),
        history => ImageHistory: |r| Value::Facts(Facts::History(&r.history)),
        layers => ImageLayers: |r| Value::Facts(Facts::Layers(&r.layers)),
        files => ImageFiles: |r| Value::Facts(Facts::Files(&r.files)),
        packages => ImagePackages: |r| Value::Facts(Facts::Packages(&r.packages)),
        vulnerabilities => ImageVulnerabilities: |r| Value::Facts(Facts::Vulnerabilities(&r.vulnerabilities)),
        secrets => ImageSecrets: |r| Value::Facts(Facts::Secrets(&r.secrets)),
        users => ImageUsers: |r| Value::Facts(Facts::Users(&r.users)),
        groups => ImageGroups: |r| Value::Facts(Facts::Groups(&r.groups)),
        baseline => ImageBaseline: |r| r.baseline.as_deref().map_or(Value::None, |b| Value::Rec(Rec::Image(b))),
        database => ImageDatabase: |r| r.database.as_ref().map_or(Value::None, |d| Value::Rec(Rec::DatabaseInfo(d))),
    }
    Distro {
        id => DistroId: |r| Value::str(&r.id),
        version => DistroVersion: |r| Value::str(&r.version),
        codename => DistroCodename: |r| Value::str(&r.codename),
        name => DistroName: |r| Value::str(&r.name),
    }
    Config {
        user => ConfigUser: |r| Value::str(&r.user),
        env => ConfigEnv: |r| Value::StrMap(&r.env),
        entrypoint => ConfigEntrypoint: |r| Value::Facts(Facts::Strings(&r.entrypoint)),
        cmd => ConfigCmd: |r| Value::Facts(Facts::Strings(&r.cmd)),
        workdir => ConfigWorkdir: |r| Value::str(&r.workdir),
        exposed_ports => ConfigExposedPorts: |r| Value::Facts(Facts::Ports(&r.exposed_ports)),
        volumes => ConfigVolumes: |r| Value::Facts(Facts::Strings(&r.volumes)),
        labels => ConfigLabels: |r| Value::StrMap(&r.labels),
        healthcheck => ConfigHealthcheck: |r| r.healthcheck.as_ref().map_or(Value::None, |h| Value::Rec(Rec::Healthcheck(h))),
        stop_signal => ConfigStopSignal: |r| Value::str(&r.stop_signal),
        shell => ConfigShell: |r| Value::Facts(Facts::Strings(&r.shell)),
    }
    Port {
        number => PortNumber: |r| int(r.number),
        protocol => PortProtocol: |r| Value::str(&r.protocol),
    }
    Healthcheck {
        test => HealthcheckTest: |r| Value::Facts(Facts::Strings(&r.test)),
        interval => HealthcheckInterval: |r| opt_duration(r.interval),
        timeout => HealthcheckTimeout: |r| opt_duration(r.timeout),
        start_period => HealthcheckStartPeriod: |r| opt_duration(r.start_period),
        retries => HealthcheckRetries: |r| int(r.retries),
        disabled => HealthcheckDisabled: |r| Value::Bool(r.disabled),
    }
    HistoryEntry {
        created => HistoryCreated: |r| opt_time(r.created),
        created_by => HistoryCreatedBy: |r| Value::str(&r.created_by),
        empty_layer => HistoryEmptyLayer: |r| Value::Bool(r.empty_layer),
        instruction => HistoryInstruction: |r| Value::str(&r.instruction),
        arguments => HistoryArguments: |r| Value::str(&r.arguments),
        comment => HistoryComment: |r| Value::str(&r.comment),
        author => HistoryAuthor: |r| Value::str(&r.author),
    }
    Layer {
        index => LayerIndex: |r| int(r.index),
        digest => LayerDigest: |r| Value::str(&r.digest),
        diff_id => LayerDiffId: |r| Value::str(&r.diff_id),
        size => LayerSize: |r| uint(r.size),
        media_type => LayerMediaType: |r| Value::str(&r.media_type),
    }
    File {
        path => FilePath: |r| Value::str(&r.path),
        kind => FileKindField: |r| Value::Enum(EnumValue { ty: FILE_KIND, variant: r.kind as u16 }),
        mode => FileMode: |r| int(i64::from(r.mode)),
        uid => FileUid: |r| uint(r.uid),
        gid => FileGid: |r| uint(r.gid),
        size => FileSize: |r| uint(r.size),
        link_target => FileLinkTarget: |r| r.link_target.as_deref().map_or(Value::None, Value::str),
        layer => FileLayer: |r| int(r.layer),
        setuid => FileSetuid: |r| Value::Bool(r.setuid),
        setgid => FileSetgid: |r| Value::Bool(r.setgid),
        sha256 => FileSha256: |r| r.sha256.as_deref().map_or(Value::None, Value::str),
        content => FileContent: |r| r.content.as_deref().map_or(Value::None, Value::str),
        truncated => FileTruncated: |r| Value::Bool(r.truncated),
    }
    Package {
        name => PackageName: |r| Value::str(&r.name),
        version => PackageVersion: |r| Value::Version(crate::value::Str::Borrowed(&r.version), r.ecosystem),
        ecosystem => PackageEcosystem: |r| ecosystem(r.ecosystem),
        purl => PackagePurl: |r| Value::str(&r.purl),
        source_name => PackageSourceName: |r| Value::str(&r.source_name),
        source_version => PackageSourceVersion: |r| Value::str(&r.source_version),
        architecture => PackageArchitecture: |r| Value::str(&r.architecture),
        licenses => PackageLicenses: |r| Value::Facts(Facts::Strings(&r.licenses)),
        path => PackagePath: |r| Value::str(&r.path),
        layer => PackageLayer: |r| int(r.layer),
        distro => PackageDistro: |r| Value::str(&r.distro),
    }
    PackageRef {
        name => PackageRefName: |r| Value::str(&r.name),
        version => PackageRefVersion: |r| Value::Version(crate::value::Str::Borrowed(&r.version), r.ecosystem),
        ecosystem => PackageRefEcosystem: |r| ecosystem(r.ecosystem),
        purl => PackageRefPurl: |r| Value::str(&r.purl),
        path => PackageRefPath: |r| Value::str(&r.path),
        layer => PackageRefLayer: |r| int(r.layer),
    }
    Vulnerability {
        id => VulnerabilityId: |r| Value::str(&r.id),
        aliases => VulnerabilityAliases: |r| Value::Facts(Facts::Strings(&r.aliases)),
        package => VulnerabilityPackage: |r| Value::Rec(Rec::PackageRef(&r.package)),
        severity => VulnerabilitySeverity: |r| severity(r.severity),
        cvss_score => VulnerabilityCvssScore: |r| r.cvss_score.map_or(Value::None, Value::Float),
        cvss_vector => VulnerabilityCvssVector: |r| Value::opt_str(&r.cvss_vector),
        fixed_in => VulnerabilityFixedIn: |r| r.fixed_in.as_deref().map_or(Value::None, |v| Value::Version(crate::value::Str::Borrowed(v), r.package.ecosystem)),
        fix_state => VulnerabilityFixState: |r| Value::Enum(EnumValue { ty: FIX_STATE, variant: r.fix_state as u16 }),
        published => VulnerabilityPublished: |r| opt_time(r.published),
        modified => VulnerabilityModified: |r| opt_time(r.modified),
        summary => VulnerabilitySummary: |r| Value::str(&r.summary),
        urls => VulnerabilityUrls: |r| Value::Facts(Facts::Strings(&r.urls)),
    }
    Secret {
        rule => SecretRule: |r| Value::str(&r.rule),
        category => SecretCategory: |r| Value::str(&r.category),
        severity => SecretSeverity: |r| severity(r.severity),
        path => SecretPath: |r| Value::str(&r.path),
        line => SecretLine: |r| int(r.line),
        layer => SecretLayer: |r| int(r.layer),
        excerpt => SecretExcerpt: |r| Value::str(&r.excerpt),
        present => SecretPresent: |r| Value::Bool(r.present),
    }
    User {
        name => UserName: |r| Value::str(&r.name),
        uid => UserUid: |r| int(r.uid),
        gid => UserGid: |r| int(r.gid),
        gecos => UserGecos: |r| Value::str(&r.gecos),
        home => UserHome: |r| Value::str(&r.home),
        shell => UserShell: |r| Value::str(&r.shell),
        password => UserPassword: |r| Value::Enum(EnumValue { ty: PASSWORD_STATE, variant: r.password as u16 }),
    }
    Group {
        name => GroupName: |r| Value::str(&r.name),
        gid => GroupGid: |r| int(r.gid),
        members => GroupMembers: |r| Value::Facts(Facts::Strings(&r.members)),
    }
    DatabaseInfo {
        built => DatabaseBuilt: |r| opt_time(r.built),
        newest => DatabaseNewest: |r| opt_time(r.newest),
        sources => DatabaseSources: |r| Value::Facts(Facts::Strings(&r.sources)),
        records => DatabaseRecords: |r| int(r.records),
    }
}
