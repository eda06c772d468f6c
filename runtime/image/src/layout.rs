//! Finding the one image to read in a store: a docker-archive's `manifest.json`, or an OCI
//! layout's `index.json` with its nested indexes, tags and platforms. The result is a plan:
//! the config blob and the layer blobs, in order.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Limits;
use crate::paths::hex;
use crate::store::Store;

/// Nested indexes followed before giving up.
const MAX_INDEX_DEPTH: usize = 8;
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// The image to read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub(crate) config_name: String,
    pub(crate) config: Vec<u8>,
    pub(crate) digest: String,
    pub(crate) tags: Vec<String>,
    pub(crate) layers: Vec<PlannedLayer>,
}

/// One layer of the plan.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlannedLayer {
    /// The blob's name in the store.
    pub(crate) blob: String,
    /// The stored blob's digest, when the manifest gives it.
    pub(crate) digest: Option<String>,
    /// Stored size (0 when unknown).
    pub(crate) size: u64,
    /// Declared media type (empty when unknown).
    pub(crate) media_type: String,
}

/// Whether a folder is an image (OCI layout or unpacked docker-archive) rather than a rootfs.
pub(crate) fn is_image_dir(path: &Path) -> bool {
    path.join("oci-layout").exists()
        || path.join("index.json").exists()
        || path.join("manifest.json").is_file()
}

/// Picks the image and plans its read.
pub(crate) fn plan(
    store: &Store,
    tag: Option<&str>,
    platform: Option<&str>,
    limits: &Limits,
) -> Result<Plan, String> {
    if store.exists("manifest.json") {
        docker_plan(store, tag, limits)
    } else if store.exists("index.json") {
        oci_plan(store, tag, platform, limits)
    } else {
        match store {
            Store::Dir(root) if root.join("index.json").exists() => {
                Err("`index.json` is not a file".into())
            }
            Store::Dir(_) => {
                Err("it has no `index.json` or `manifest.json`: it is not an image".into())
            }
            Store::Tar { .. } => {
                Err("the archive has no `manifest.json` or `index.json`: it is not an image".into())
            }
        }
    }
}

fn read_json(store: &Store, name: &str, limits: &Limits) -> Result<Value, String> {
    let bytes = store.read_small(name, limits.max_json_bytes)?;
    serde_json::from_slice(&bytes).map_err(|err| format!("`{name}` is not JSON: {err}"))
}

fn docker_plan(store: &Store, tag: Option<&str>, limits: &Limits) -> Result<Plan, String> {
    let manifest = read_json(store, "manifest.json", limits)?;
    let images = manifest
        .as_array()
        .ok_or("`manifest.json` is not a list of images")?;
    let tags_of = |image: &Value| -> Vec<String> {
        image
            .get("RepoTags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let chosen = match tag {
        Some(tag) => images
            .iter()
            .find(|image| {
                tags_of(image)
                    .iter()
                    .any(|candidate| tag_matches(candidate, tag))
            })
            .ok_or_else(|| {
                format!(
                    "no image is tagged `{tag}` (tags: {})",
                    list(images.iter().flat_map(tags_of))
                )
            })?,
        None => match images.as_slice() {
            [] => return Err("`manifest.json` lists no images".into()),
            [only] => only,
            _ => {
                return Err(format!(
                    "it holds {} images; pick one with `PATH:TAG` (tags: {})",
                    images.len(),
                    list(images.iter().flat_map(tags_of))
                ));
            }
        },
    };
    let config_name = chosen
        .get("Config")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if config_name.is_empty() {
        return Err("`manifest.json` names no config".into());
    }
    let config = store.read_small(config_name, limits.max_json_bytes)?;
    let layers = chosen
        .get("Layers")
        .and_then(Value::as_array)
        .ok_or("`manifest.json` lists no layers")?
        .iter()
        .map(|layer| {
            let blob = layer
                .as_str()
                .ok_or("`manifest.json` has a layer that is not a path")?;
            // Docker 25+ archives store layers as OCI blobs, whose name gives the digest.
            let digest = blob
                .strip_prefix("blobs/sha256/")
                .filter(|hex| is_hex(hex))
                .map(|hex| format!("sha256:{hex}"));
            // They also describe each layer in `LayerSources`, keyed by that digest.
            let source = digest
                .as_deref()
                .and_then(|digest| chosen.get("LayerSources")?.get(digest));
            let source_field = |name: &str| source.and_then(|source| source.get(name));
            Ok(PlannedLayer {
                blob: blob.to_string(),
                size: source_field("size").and_then(Value::as_u64).unwrap_or(0),
                media_type: source_field("mediaType")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                digest,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Plan {
        config_name: config_name.to_string(),
        digest: format!("sha256:{}", hex(&Sha256::digest(&config))),
        config,
        tags: tags_of(chosen),
        layers,
    })
}

/// Whether a tag given by the user names `candidate` (`repo:tag`, or just `tag`, or `repo`).
fn tag_matches(candidate: &str, wanted: &str) -> bool {
    if candidate == wanted {
        return true;
    }
    let (repo, tag) = split_tag(candidate);
    tag == Some(wanted) || repo == wanted
}

/// `registry/repo:tag` into (`registry/repo`, `tag`), minding registry ports.
fn split_tag(reference: &str) -> (&str, Option<&str>) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (reference, None),
    }
}

fn list(items: impl Iterator<Item = String>) -> String {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items.dedup();
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The store name of a descriptor's blob, refusing digests that are not `algorithm:hex`.
fn blob_name(digest: &str) -> Result<String, String> {
    match digest.split_once(':') {
        Some((algorithm, encoded))
            if !algorithm.is_empty()
                && algorithm.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b)
                })
                && is_hex(encoded) =>
        {
            Ok(format!("blobs/{algorithm}/{encoded}"))
        }
        _ => Err(format!("`{digest}` is not a valid digest")),
    }
}

/// An image manifest found by walking the index.
#[derive(Debug, Clone)]
struct Candidate {
    digest: String,
    manifest: Value,
    names: Vec<String>,
    platform: Option<String>,
}

fn oci_plan(
    store: &Store,
    tag: Option<&str>,
    platform: Option<&str>,
    limits: &Limits,
) -> Result<Plan, String> {
    let index = read_json(store, "index.json", limits)?;
    if !index.is_object() {
        return Err("`index.json` is not a JSON object".into());
    }
    if index.get("manifests").is_none() && index.get("layers").is_some() {
        return Err("`index.json` is an image manifest, not an index".into());
    }
    let mut walk = Walk {
        store,
        limits,
        found: Vec::new(),
        problems: Vec::new(),
        visited: HashSet::new(),
    };
    walk.index(&index, None, 0);
    let Walk {
        found, problems, ..
    } = walk;
    let mut candidates: Vec<Candidate> = Vec::new();
    for candidate in found {
        if let Some(tag) = tag
            && !candidate.names.iter().any(|name| tag_matches(name, tag))
        {
            continue;
        }
        match candidates
            .iter_mut()
            .find(|seen| seen.digest == candidate.digest)
        {
            Some(seen) => {
                seen.names.extend(candidate.names);
                if seen.platform.is_none() {
                    seen.platform = candidate.platform;
                }
            }
            None => candidates.push(candidate),
        }
    }
    if candidates.is_empty() {
        if let Some(problem) = problems.into_iter().next() {
            return Err(problem);
        }
        return Err(match tag {
            Some(tag) => "no image is tagged `TAG`".replace("TAG", tag),
            None => "`index.json` lists no images".into(),
        });
    }
    // Platforms are looked up in configs only when there is a choice to make.
    if candidates.len() > 1 || platform.is_some() {
        for candidate in &mut candidates {
            if candidate.platform.is_none() {
                candidate.platform = config_platform(store, &candidate.manifest, limits);
            }
        }
    }
    let chosen = choose(candidates, platform)?;
    plan_manifest(store, chosen, limits)
}

fn choose(candidates: Vec<Candidate>, platform: Option<&str>) -> Result<Candidate, String> {
    let platforms = |candidates: &[Candidate]| {
        list(
            candidates
                .iter()
                .map(|c| c.platform.clone().unwrap_or_else(|| "unknown".into())),
        )
    };
    if let Some(wanted) = platform {
        let all = platforms(&candidates);
        let mut matching: Vec<Candidate> = candidates
            .into_iter()
            .filter(|c| {
                c.platform
                    .as_deref()
                    .is_some_and(|p| platform_matches(p, wanted))
            })
            .collect();
        return match matching.len() {
            0 => Err(format!(
                "no image is for platform `{wanted}` (platforms: {all})"
            )),
            1 => matching.pop().ok_or_else(String::new),
            _ => Err(format!(
                "several images are for platform `{wanted}`; pick one with `PATH:TAG` (tags: {})",
                list(matching.iter().flat_map(|c| c.names.clone()))
            )),
        };
    }
    if candidates.len() == 1 {
        return candidates.into_iter().next().ok_or_else(String::new);
    }
    let all = platforms(&candidates);
    let names = list(candidates.iter().flat_map(|c| c.names.clone()));
    let mut amd64: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.platform.as_deref() == Some("linux/amd64"))
        .collect();
    if amd64.len() == 1 {
        return amd64.pop().ok_or_else(String::new);
    }
    Err(format!(
        "it holds several images; pick one with `PATH:TAG` or a platform (tags: {names}; platforms: {all})"
    ))
}

/// `linux/arm64` matches `linux/arm64/v8`; a wanted variant must match exactly.
fn platform_matches(platform: &str, wanted: &str) -> bool {
    platform == wanted || platform.starts_with(&format!("{wanted}/"))
}

fn platform_text(platform: &Value) -> Option<String> {
    let os = platform.get("os")?.as_str()?;
    let architecture = platform.get("architecture")?.as_str()?;
    Some(match platform.get("variant").and_then(Value::as_str) {
        Some(variant) if !variant.is_empty() => format!("{os}/{architecture}/{variant}"),
        _ => format!("{os}/{architecture}"),
    })
}

fn config_platform(store: &Store, manifest: &Value, limits: &Limits) -> Option<String> {
    let digest = manifest.get("config")?.get("digest")?.as_str()?;
    let config = read_json(store, &blob_name(digest).ok()?, limits).ok()?;
    platform_text(&config)
}

struct Walk<'a> {
    store: &'a Store,
    limits: &'a Limits,
    found: Vec<Candidate>,
    problems: Vec<String>,
    visited: HashSet<String>,
}

impl Walk<'_> {
    fn index(&mut self, index: &Value, inherited: Option<&[String]>, depth: usize) {
        let Some(descriptors) = index.get("manifests").and_then(Value::as_array) else {
            return;
        };
        for descriptor in descriptors {
            if let Err(problem) = self.descriptor(descriptor, inherited, depth) {
                self.problems.push(problem);
            }
        }
    }

    fn descriptor(
        &mut self,
        descriptor: &Value,
        inherited: Option<&[String]>,
        depth: usize,
    ) -> Result<(), String> {
        let annotations = descriptor.get("annotations");
        let annotation = |key: &str| annotations.and_then(|a| a.get(key)).and_then(Value::as_str);
        // BuildKit attestations ride along in indexes as manifests of platform unknown/unknown.
        if annotation("vnd.docker.reference.type").is_some() {
            return Ok(());
        }
        let digest = descriptor
            .get("digest")
            .and_then(Value::as_str)
            .ok_or("`index.json` has a descriptor without a digest")?;
        let mut names: Vec<String> = inherited.map(<[String]>::to_vec).unwrap_or_default();
        for key in [
            "org.opencontainers.image.ref.name",
            "io.containerd.image.name",
        ] {
            if let Some(name) = annotation(key) {
                names.push(name.to_string());
            }
        }
        if depth > MAX_INDEX_DEPTH {
            return Err(format!("indexes nest more than {MAX_INDEX_DEPTH} deep"));
        }
        if !self.visited.insert(format!("{digest}@{}", names.join(","))) {
            return Ok(());
        }
        let blob = read_json(self.store, &blob_name(digest)?, self.limits)
            .map_err(|problem| format!("the manifest `{digest}` cannot be read: {problem}"))?;
        // The content says what a blob is; declared media types are not always right.
        if blob.get("manifests").is_some() {
            self.index(&blob, Some(&names), depth + 1);
            return Ok(());
        }
        if blob.get("schemaVersion").and_then(Value::as_i64) == Some(1) {
            return Err(format!(
                "the manifest `{digest}` is a Docker schema 1 manifest, which is not supported"
            ));
        }
        let config_type = blob
            .get("config")
            .and_then(|c| c.get("mediaType"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if blob.get("layers").is_none() || blob.get("config").is_none() {
            return Err(format!(
                "the blob `{digest}` is neither an image manifest nor an index"
            ));
        }
        if config_type != OCI_CONFIG && config_type != DOCKER_CONFIG {
            return Err(format!(
                "`{digest}` is an artifact (config media type `{config_type}`), not a container image"
            ));
        }
        let platform = descriptor.get("platform").and_then(platform_text);
        if platform.as_deref() == Some("unknown/unknown") {
            return Ok(());
        }
        self.found.push(Candidate {
            digest: digest.to_string(),
            manifest: blob,
            names,
            platform,
        });
        Ok(())
    }
}

fn plan_manifest(store: &Store, chosen: Candidate, limits: &Limits) -> Result<Plan, String> {
    let manifest = &chosen.manifest;
    let config_digest = manifest
        .get("config")
        .and_then(|c| c.get("digest"))
        .and_then(Value::as_str)
        .ok_or("the manifest has no config digest")?;
    let config_name = blob_name(config_digest)?;
    let config = store
        .read_small(&config_name, limits.max_json_bytes)
        .map_err(|problem| format!("the config `{config_digest}` cannot be read: {problem}"))?;
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .ok_or("the manifest's `layers` is not a list")?
        .iter()
        .map(|layer| {
            let digest = layer
                .get("digest")
                .and_then(Value::as_str)
                .ok_or("the manifest has a layer without a digest")?;
            let media_type = layer
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if media_type.contains("+encrypted") {
                return Err(format!("layer `{digest}` is encrypted"));
            }
            Ok(PlannedLayer {
                blob: blob_name(digest)?,
                digest: Some(digest.to_string()),
                size: layer.get("size").and_then(Value::as_u64).unwrap_or(0),
                media_type: media_type.to_string(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut tags: Vec<String> = Vec::new();
    for name in chosen.names {
        if !tags.contains(&name) {
            tags.push(name);
        }
    }
    Ok(Plan {
        config_name,
        config,
        digest: chosen.digest,
        tags,
        layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_several_ways() {
        assert!(tag_matches("docker.io/library/alpine:3.11", "3.11"));
        assert!(tag_matches("alpine:3.11", "alpine:3.11"));
        assert!(tag_matches("alpine:3.11", "alpine"));
        assert!(tag_matches("0.0.1", "0.0.1"));
        assert!(!tag_matches("registry:5000/app", "5000"));
        assert!(!tag_matches("alpine:3.11", "3.12"));
    }

    #[test]
    fn digests_are_checked_before_use() {
        assert_eq!(blob_name("sha256:abc1").unwrap(), "blobs/sha256/abc1");
        assert!(blob_name("sha256:../../etc/passwd").is_err());
        assert!(blob_name("../x:abc").is_err());
        assert!(blob_name("abc").is_err());
    }

    #[test]
    fn platforms_match_variants() {
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(!platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(platform_matches("linux/amd64", "linux/amd64"));
    }
}
