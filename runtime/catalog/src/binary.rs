//! Go and Rust programs: the build information a Go toolchain embeds in every binary (the
//! `.go.buildinfo` section: module path and version, dependencies, Go version), and the
//! dependency list `cargo auditable` embeds in Rust binaries (the `.dep-v0` section, zlib
//! compressed JSON). Only ELF is read: container images run Linux programs.
//!
//! Both Go formats are decoded: Go 1.18+ stores the strings inline after the 32-byte header;
//! older toolchains store two pointers to Go string headers, resolved through the program
//! headers' virtual address map.

use std::io::Read;

use serde::Deserialize;
use tollgate_facts::{Ecosystem, Package};

use crate::Found;

const GO_MAGIC: &[u8] = b"\xff Go buildinf:";
/// Largest decompressed `cargo auditable` document read.
const MAX_AUDIT_JSON: u64 = 16 * 1024 * 1024;

/// The parts of an ELF file this module needs.
struct Elf<'a> {
    data: &'a [u8],
    little_endian: bool,
    sections: Vec<Section<'a>>,
    segments: Vec<Segment>,
}

struct Section<'a> {
    name: &'a [u8],
    offset: u64,
    size: u64,
}

struct Segment {
    vaddr: u64,
    offset: u64,
    file_size: u64,
}

impl<'a> Elf<'a> {
    fn parse(data: &'a [u8]) -> Option<Elf<'a>> {
        if !data.starts_with(b"\x7fELF") {
            return None;
        }
        let is_64 = match data.get(4)? {
            1 => false,
            2 => true,
            _ => return None,
        };
        let little_endian = match data.get(5)? {
            1 => true,
            2 => false,
            _ => return None,
        };
        let mut elf = Elf {
            data,
            little_endian,
            sections: Vec::new(),
            segments: Vec::new(),
        };
        let (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) = if is_64 {
            (
                elf.u64_at(32)?,
                elf.u64_at(40)?,
                elf.u16_at(54)?,
                elf.u16_at(56)?,
                elf.u16_at(58)?,
                elf.u16_at(60)?,
                elf.u16_at(62)?,
            )
        } else {
            (
                u64::from(elf.u32_at(28)?),
                u64::from(elf.u32_at(32)?),
                elf.u16_at(42)?,
                elf.u16_at(44)?,
                elf.u16_at(46)?,
                elf.u16_at(48)?,
                elf.u16_at(50)?,
            )
        };
        for index in 0..u64::from(phnum) {
            let at = usize::try_from(phoff.checked_add(index.checked_mul(u64::from(phentsize))?)?)
                .ok()?;
            let (kind, offset, vaddr, file_size) = if is_64 {
                (
                    elf.u32_at(at),
                    elf.u64_at(at + 8),
                    elf.u64_at(at + 16),
                    elf.u64_at(at + 32),
                )
            } else {
                (
                    elf.u32_at(at),
                    elf.u32_at(at + 4).map(u64::from),
                    elf.u32_at(at + 8).map(u64::from),
                    elf.u32_at(at + 16).map(u64::from),
                )
            };
            // PT_LOAD only; a truncated table just ends the list.
            let (Some(kind), Some(offset), Some(vaddr), Some(file_size)) =
                (kind, offset, vaddr, file_size)
            else {
                break;
            };
            if kind == 1 {
                elf.segments.push(Segment {
                    vaddr,
                    offset,
                    file_size,
                });
            }
        }
        let mut raw: Vec<(u32, u64, u64)> = Vec::new();
        for index in 0..u64::from(shnum) {
            let Some(at) = shoff
                .checked_add(index.saturating_mul(u64::from(shentsize)))
                .and_then(|at| usize::try_from(at).ok())
            else {
                break;
            };
            let entry = if is_64 {
                (elf.u32_at(at), elf.u64_at(at + 24), elf.u64_at(at + 32))
            } else {
                (
                    elf.u32_at(at),
                    elf.u32_at(at + 16).map(u64::from),
                    elf.u32_at(at + 20).map(u64::from),
                )
            };
            let (Some(name), Some(offset), Some(size)) = entry else {
                break;
            };
            raw.push((name, offset, size));
        }
        if let Some((_, names_offset, names_size)) = raw.get(usize::from(shstrndx)).copied() {
            let names = elf.bytes(names_offset, names_size).unwrap_or_default();
            for (name, offset, size) in raw {
                let name = names.get(name as usize..).unwrap_or_default();
                let name = name.split(|byte| *byte == 0).next().unwrap_or_default();
                elf.sections.push(Section { name, offset, size });
            }
        }
        Some(elf)
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let bytes: [u8; 2] = self.data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u16::from_le_bytes(bytes)
        } else {
            u16::from_be_bytes(bytes)
        })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let bytes: [u8; 4] = self.data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    }

    fn u64_at(&self, at: usize) -> Option<u64> {
        let bytes: [u8; 8] = self.data.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.little_endian {
            u64::from_le_bytes(bytes)
        } else {
            u64::from_be_bytes(bytes)
        })
    }

    fn bytes(&self, offset: u64, size: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        self.data.get(start..end)
    }

    fn section(&self, name: &[u8]) -> Option<&'a [u8]> {
        let section = self.sections.iter().find(|section| section.name == name)?;
        self.bytes(section.offset, section.size)
    }

    /// The bytes at a virtual address, through the loadable segments.
    fn at_address(&self, address: u64, size: u64) -> Option<&'a [u8]> {
        let segment = self.segments.iter().find(|segment| {
            address >= segment.vaddr && address - segment.vaddr < segment.file_size
        })?;
        let within = address - segment.vaddr;
        if within.checked_add(size)? > segment.file_size {
            return None;
        }
        self.bytes(segment.offset.checked_add(within)?, size)
    }
}

/// Reads one executable; anything that is not an ELF file with build information is skipped
/// silently (most executables are C programs).
pub(crate) fn parse_executable(data: &[u8], out: &mut Found) {
    let Some(elf) = Elf::parse(data) else { return };
    if let Some(section) = elf.section(b".go.buildinfo").or_else(|| {
        elf.sections
            .is_empty()
            .then(|| find_go_magic(data))
            .flatten()
    }) {
        match go_build_info(&elf, section) {
            Ok(info) => go_packages(&info, out),
            Err(problem) => out.problem(format!("Go build information cannot be read: {problem}")),
        }
    }
    if let Some(section) = elf.section(b".dep-v0")
        && let Err(problem) = auditable_packages(section, out)
    {
        out.problem(format!("cargo auditable data cannot be read: {problem}"));
    }
}

/// Without a section table (stripped of it, or cut at the read limit before it), the build
/// information is found by its magic, which the linker aligns to 16 bytes. With one, a
/// binary without the section is not a Go program and is not scanned.
fn find_go_magic(data: &[u8]) -> Option<&[u8]> {
    let at = data
        .chunks(16)
        .position(|chunk| chunk.starts_with(GO_MAGIC))?;
    data.get(at * 16..)
}

/// The decoded build information.
#[derive(Debug, Default)]
struct GoBuildInfo {
    go_version: String,
    main: Option<(String, String)>,
    deps: Vec<(String, String)>,
}

fn go_build_info(elf: &Elf<'_>, section: &[u8]) -> Result<GoBuildInfo, String> {
    if !section.starts_with(GO_MAGIC) {
        return Err("the section does not start with the build information magic".to_string());
    }
    let pointer_size = usize::from(*section.get(14).ok_or("header is cut short")?);
    let flags = *section.get(15).ok_or("header is cut short")?;
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = section.get(32..).ok_or("header is cut short")?;
        let (version, rest) = varint_string(rest).ok_or("version string is cut short")?;
        let (modinfo, _) = varint_string(rest).ok_or("module information is cut short")?;
        (version.to_vec(), modinfo.to_vec())
    } else {
        if pointer_size != 4 && pointer_size != 8 {
            return Err(format!("pointer size {pointer_size} is not 4 or 8"));
        }
        let big_endian = flags & 1 != 0;
        let pointer = |bytes: &[u8], at: usize| -> Option<u64> {
            let raw = bytes.get(at..at.checked_add(pointer_size)?)?;
            let mut value: u64 = 0;
            for index in 0..pointer_size {
                let byte = if big_endian {
                    raw.get(index)?
                } else {
                    raw.get(pointer_size - 1 - index)?
                };
                value = (value << 8) | u64::from(*byte);
            }
            Some(value)
        };
        let read_go_string = |address: u64| -> Option<Vec<u8>> {
            let size = u64::try_from(pointer_size).ok()?;
            let header = elf.at_address(address, size * 2)?;
            let data = pointer(header, 0)?;
            let length = pointer(header, pointer_size)?;
            if length > 64 * 1024 * 1024 {
                return None;
            }
            Some(elf.at_address(data, length)?.to_vec())
        };
        let version = pointer(section, 16)
            .and_then(read_go_string)
            .ok_or("version pointer does not resolve")?;
        let modinfo = pointer(section, 16 + pointer_size)
            .and_then(read_go_string)
            .unwrap_or_default();
        (version, modinfo)
    };
    let mut info = GoBuildInfo {
        go_version: String::from_utf8_lossy(&version).into_owned(),
        ..GoBuildInfo::default()
    };
    // The module information is framed by two 16-byte sentinels.
    let modinfo = if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        modinfo.get(16..modinfo.len() - 16).unwrap_or_default()
    } else {
        &[]
    };
    for line in String::from_utf8_lossy(modinfo).lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or("");
        let path = fields.next().unwrap_or("").to_string();
        let version = fields.next().unwrap_or("").to_string();
        match kind {
            "mod" => info.main = Some((path, version)),
            "dep" => info.deps.push((path, version)),
            // A replacement applies to the line before it; a local path has no version and
            // leaves the required version in place.
            "=>" if !version.is_empty() => {
                if let Some(last) = info.deps.last_mut() {
                    *last = (path, version);
                } else if let Some(main) = info.main.as_mut() {
                    *main = (path, version);
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

/// A uvarint length followed by that many bytes.
fn varint_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut length: u64 = 0;
    let mut shift = 0u32;
    for (index, byte) in data.iter().enumerate().take(10) {
        length |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let start = index + 1;
            let end = start.checked_add(usize::try_from(length).ok()?)?;
            return Some((data.get(start..end)?, data.get(end..)?));
        }
        shift += 7;
    }
    None
}

fn go_packages(info: &GoBuildInfo, out: &mut Found) {
    let go = |name: &str, version: &str| Package {
        name: name.to_string(),
        version: version.to_string(),
        ecosystem: Ecosystem::Go,
        ..Package::default()
    };
    if let Some((path, version)) = &info.main
        && !path.is_empty()
    {
        out.packages.push(go(path, version));
    }
    for (path, version) in &info.deps {
        out.packages.push(go(path, version));
    }
    // `go1.21.5` or `go1.22.0 X:boringcrypto`: the standard library, as OSV names it.
    if let Some(version) = info
        .go_version
        .split_whitespace()
        .next()
        .and_then(|word| word.strip_prefix("go"))
    {
        out.packages.push(go("stdlib", version));
    }
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    /// `runtime` (the default) or `build`.
    #[serde(default)]
    kind: String,
}

fn auditable_packages(section: &[u8], out: &mut Found) -> Result<(), String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_AUDIT_JSON)
        .read_to_end(&mut json)
        .map_err(|err| format!("zlib: {err}"))?;
    let audit: AuditData =
        serde_json::from_slice(&json).map_err(|err| format!("invalid JSON: {err}"))?;
    for package in audit.packages {
        // The binary's own workspace crates are not published packages, and build
        // dependencies (build scripts, proc macros) ran at build time but are not in it.
        if package.source == "local" || package.kind == "build" {
            continue;
        }
        out.packages.push(Package {
            name: package.name,
            version: package.version,
            ecosystem: Ecosystem::Cargo,
            ..Package::default()
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_strings() {
        assert_eq!(
            varint_string(&[3, b'a', b'b', b'c', 9]),
            Some((&b"abc"[..], &[9u8][..]))
        );
        assert_eq!(varint_string(&[5, b'a']), None);
        assert_eq!(varint_string(&[0x80, 0x80]), None);
    }

    /// A minimal little-endian ELF64 file holding `.go.buildinfo` in the pre-1.18 pointer
    /// format: the header points at two Go string headers, which point at the strings.
    fn pointer_format_elf() -> Vec<u8> {
        const BASE: u64 = 0x40_0000;
        let mut file = vec![0u8; 0x300];
        let put = |file: &mut Vec<u8>, at: usize, bytes: &[u8]| {
            file[at..at + bytes.len()].copy_from_slice(bytes)
        };
        put(&mut file, 0, b"\x7fELF\x02\x01\x01");
        put(&mut file, 32, &64u64.to_le_bytes()); // e_phoff
        put(&mut file, 40, &0x200u64.to_le_bytes()); // e_shoff
        put(&mut file, 54, &56u16.to_le_bytes());
        put(&mut file, 56, &1u16.to_le_bytes());
        put(&mut file, 58, &64u16.to_le_bytes());
        put(&mut file, 60, &3u16.to_le_bytes());
        put(&mut file, 62, &2u16.to_le_bytes());
        // One PT_LOAD mapping the whole file at BASE.
        put(&mut file, 64, &1u32.to_le_bytes());
        put(&mut file, 64 + 16, &BASE.to_le_bytes());
        put(&mut file, 64 + 32, &0x300u64.to_le_bytes());
        // The build information header: magic, pointer size 8, flags 0 (little-endian, not inline).
        put(&mut file, 0x100, GO_MAGIC);
        file[0x100 + 14] = 8;
        put(&mut file, 0x110, &(BASE + 0x140).to_le_bytes());
        put(&mut file, 0x118, &(BASE + 0x150).to_le_bytes());
        let version = b"go1.16.15";
        let sentinel = [0x30u8; 16];
        let mut modinfo = sentinel.to_vec();
        modinfo.extend_from_slice(b"path\texample.com/app\nmod\texample.com/app\t(devel)\t\n");
        modinfo.extend_from_slice(b"dep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n");
        modinfo.extend_from_slice(&sentinel);
        put(&mut file, 0x140, &(BASE + 0x160).to_le_bytes());
        put(&mut file, 0x148, &(version.len() as u64).to_le_bytes());
        put(&mut file, 0x150, &(BASE + 0x170).to_le_bytes());
        put(&mut file, 0x158, &(modinfo.len() as u64).to_le_bytes());
        put(&mut file, 0x160, version);
        put(&mut file, 0x170, &modinfo);
        // Section names and headers: null, .go.buildinfo, .shstrtab.
        put(&mut file, 0x1e0, b"\0.go.buildinfo\0.shstrtab\0");
        let section = |file: &mut Vec<u8>, index: usize, name: u32, offset: u64, size: u64| {
            let at = 0x200 + index * 64;
            file[at..at + 4].copy_from_slice(&name.to_le_bytes());
            file[at + 24..at + 32].copy_from_slice(&offset.to_le_bytes());
            file[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
        };
        file.resize(0x200 + 3 * 64, 0);
        section(&mut file, 1, 1, 0x100, 32);
        section(&mut file, 2, 15, 0x1e0, 25);
        file
    }

    #[test]
    fn pointer_format_build_info() {
        let mut out = Found::default();
        parse_executable(&pointer_format_elf(), &mut out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let found: Vec<(&str, &str)> = out
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("example.com/app", "(devel)"),
                ("github.com/pkg/errors", "v0.9.1"),
                ("stdlib", "1.16.15")
            ]
        );
    }

    #[test]
    fn truncated_build_info_is_a_problem_not_a_panic() {
        let full = pointer_format_elf();
        for cut in [0x104, 0x120, 0x150, 0x175] {
            let mut damaged = full.clone();
            // Keep the section table but cut the strings the pointers lead to.
            for byte in &mut damaged[cut..0x1e0] {
                *byte = 0xff;
            }
            let mut out = Found::default();
            parse_executable(&damaged, &mut out);
            assert!(
                out.packages.len() < 3 || !out.problems.is_empty(),
                "cut at {cut:#x}"
            );
        }
    }

    #[test]
    fn non_elf_is_skipped() {
        let mut out = Found::default();
        parse_executable(b"#!/bin/sh\necho hi\n", &mut out);
        assert!(out.packages.is_empty() && out.problems.is_empty());
    }
}
