//! The closed sets of the facts model: severities, ecosystems, file kinds, fix and password
//! states. In JSON each is a lowercase string.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration (and for ordered enums, ascending) order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JSON and policy-language spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {} `{other}`", stringify!($name))),
                }
            }
        }
    };
}

string_enum! {
    /// Severity, ordered `Unknown < Negligible < Low < Medium < High < Critical`.
    Severity {
        #[default]
        Unknown = "unknown",
        Negligible = "negligible",
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

string_enum! {
    /// A package ecosystem.
    Ecosystem {
        #[default]
        Unknown = "unknown",
        Deb = "deb",
        Apk = "apk",
        Rpm = "rpm",
        Python = "python",
        Npm = "npm",
        Gem = "gem",
        Java = "java",
        Go = "go",
        Cargo = "cargo",
        Composer = "composer",
        Nuget = "nuget",
    }
}

impl Ecosystem {
    /// Whether packages of this ecosystem belong to the operating system.
    pub fn is_os(self) -> bool {
        matches!(self, Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm)
    }
}

string_enum! {
    /// The kind of a filesystem entry.
    FileKind {
        #[default]
        File = "file",
        Dir = "dir",
        Symlink = "symlink",
        Hardlink = "hardlink",
        Char = "char",
        Block = "block",
        Fifo = "fifo",
    }
}

string_enum! {
    /// Whether a fix for a vulnerability exists.
    FixState {
        #[default]
        Unknown = "unknown",
        Fixed = "fixed",
        NotFixed = "not-fixed",
        WontFix = "wont-fix",
    }
}

string_enum! {
    /// The state of a user's password in `/etc/shadow`.
    PasswordState {
        /// No shadow entry, or no shadow file.
        #[default]
        Unknown = "unknown",
        /// The password field is empty: anyone can log in.
        Empty = "empty",
        /// Locked (`!`, `*`, `!!`...).
        Locked = "locked",
        /// A password hash is set.
        Set = "set",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_is_ordered() {
        assert!(Severity::Unknown < Severity::Negligible);
        assert!(Severity::High < Severity::Critical);
        assert_eq!(Severity::ALL.len(), 6);
        assert_eq!("critical".parse::<Severity>(), Ok(Severity::Critical));
        assert!("Critical".parse::<Severity>().is_err());
    }

    #[test]
    fn json_spelling_is_lowercase() {
        assert_eq!(
            serde_json::to_string(&FixState::NotFixed).unwrap(),
            "\"not-fixed\""
        );
        assert_eq!(
            serde_json::to_string(&FileKind::Symlink).unwrap(),
            "\"symlink\""
        );
    }
}
