//! Versioned serialization: an 8-byte magic, a little-endian `u32` format version, then the
//! program as JSON. A program written by another format version is refused, never guessed at.

use crate::program::Program;

/// The first bytes of every serialized program.
pub const MAGIC: &[u8; 8] = b"TGBCODE\0";

/// The format version this crate reads and writes. Bump it on any change to the instruction
/// set or the program tables. Version 2 added `Op::Probe` and `Program::probes`.
pub const FORMAT_VERSION: u32 = 2;

/// Why bytes could not be read as a program.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The bytes do not start with the magic.
    #[error("not a tollgate bytecode file (bad magic)")]
    NotBytecode,
    /// Written by another format version.
    #[error(
        "bytecode format version {found} is not supported (this tollgate reads version {expected}); rebuild the bundle with this tollgate"
    )]
    Version {
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The body is not a valid program.
    #[error("malformed bytecode: {0}")]
    Malformed(String),
}

impl Program {
    /// The serialized form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(4096);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Serializing plain data into a Vec cannot fail; an empty body would be refused on read.
        let _ = serde_json::to_writer(&mut bytes, self);
        bytes
    }

    /// Reads a serialized program, refusing other format versions.
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, FormatError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(FormatError::NotBytecode)?;
        let (version, body) = rest
            .split_first_chunk::<4>()
            .ok_or(FormatError::NotBytecode)?;
        let found = u32::from_le_bytes(*version);
        if found != FORMAT_VERSION {
            return Err(FormatError::Version {
                found,
                expected: FORMAT_VERSION,
            });
        }
        serde_json::from_slice(body).map_err(|err| FormatError::Malformed(err.to_string()))
    }
}
