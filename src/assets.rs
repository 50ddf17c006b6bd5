//! The page's downloads: backbone weights and ImageNet labels, checked and kept in the Cache API.
//!
//! The manifest `generated/efficientnet_lite0.json` (written by `scripts/convert_weights.py`)
//! gives the weight file's size and sha256. A cached copy is used only if its checksum
//! matches, so a corrupt or truncated cache entry is fetched again; offline, the cached
//! manifest is used.

use crate::web::fetch::{cache_delete, cache_get, cache_put, fetch_bytes};
use serde::Deserialize;
use sha2::{Digest, Sha256};

const MANIFEST_URL: &str = "generated/efficientnet_lite0.json";
const WEIGHTS_URL: &str = "generated/efficientnet_lite0.safetensors";
const LABELS_URL: &str = "generated/imagenet_classes.json";
/// The BatchNorms kept apart from the folded weights, for AdaBN (`adapt.rs`).
const BATCHNORM_URL: &str = "generated/efficientnet_lite0.batchnorm.safetensors";

#[derive(Debug, Clone, Deserialize, PartialEq)]
struct Manifest {
    bytes: u64,
    sha256: String,
    /// The BatchNorm file's size and checksum.
    batchnorm: Option<Checked>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
struct Checked {
    bytes: u64,
    sha256: String,
}

/// Where the weights came from this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Network,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("{0}")]
    Download(String),
    #[error("the weight manifest is unreadable: {0}")]
    Manifest(String),
    #[error(
        "the downloaded weights are corrupt (sha256 {found}, expected {expected}); reload to try again"
    )]
    Checksum { expected: String, found: String },
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

async fn manifest() -> Result<(Manifest, Vec<u8>), AssetError> {
    let raw = match fetch_bytes(MANIFEST_URL, |_, _| {}).await {
        Ok(raw) => raw,
        // Offline: the manifest cached next to the weights still says what they must be.
        Err(e) => cache_get(MANIFEST_URL)
            .await
            .ok_or(AssetError::Download(e))?,
    };
    let parsed = serde_json::from_slice(&raw).map_err(|e| AssetError::Manifest(e.to_string()))?;
    Ok((parsed, raw))
}

/// The weight file's bytes, from the cache when intact, else downloaded with progress.
pub async fn load_weights(
    on_progress: impl FnMut(u64, Option<u64>),
) -> Result<(Vec<u8>, Source), AssetError> {
    let (manifest, raw_manifest) = manifest().await?;
    if let Some(cached) = cache_get(WEIGHTS_URL).await {
        if cached.len() as u64 == manifest.bytes && sha256_hex(&cached) == manifest.sha256 {
            return Ok((cached, Source::Cache));
        }
        log::warn!("the cached weights are corrupt or outdated; downloading them again");
        cache_delete(WEIGHTS_URL).await;
    }
    let bytes = fetch_bytes(WEIGHTS_URL, on_progress)
        .await
        .map_err(AssetError::Download)?;
    let found = sha256_hex(&bytes);
    if found != manifest.sha256 {
        return Err(AssetError::Checksum {
            expected: manifest.sha256,
            found,
        });
    }
    // A full quota only costs the next visit a download; say so in the console.
    for (url, body) in [
        (MANIFEST_URL, raw_manifest.as_slice()),
        (WEIGHTS_URL, bytes.as_slice()),
    ] {
        if let Err(e) = cache_put(url, body).await {
            log::warn!("could not keep {url} for next time: {e}");
        }
    }
    Ok((bytes, Source::Network))
}

/// The BatchNorm file's bytes (AdaBN), checked against the manifest and cached like the
/// weights.
pub async fn load_batchnorms() -> Result<Vec<u8>, AssetError> {
    let (manifest, _) = manifest().await?;
    let expected = (manifest.batchnorm)
        .ok_or_else(|| AssetError::Manifest("it names no BatchNorm file".into()))?;
    let intact = |b: &[u8]| b.len() as u64 == expected.bytes && sha256_hex(b) == expected.sha256;
    if let Some(cached) = cache_get(BATCHNORM_URL).await.filter(|b| intact(b)) {
        return Ok(cached);
    }
    let bytes = fetch_bytes(BATCHNORM_URL, |_, _| {})
        .await
        .map_err(AssetError::Download)?;
    if !intact(&bytes) {
        return Err(AssetError::Download(format!(
            "the BatchNorm file is corrupt (sha256 {}, expected {}); reload to try again",
            sha256_hex(&bytes),
            expected.sha256
        )));
    }
    if let Err(e) = cache_put(BATCHNORM_URL, &bytes).await {
        log::warn!("could not keep {BATCHNORM_URL} for next time: {e}");
    }
    Ok(bytes)
}

/// ImageNet class names, cached like the weights (validated by `parse_imagenet_labels`).
pub async fn load_labels() -> Result<Vec<String>, String> {
    let raw = match fetch_bytes(LABELS_URL, |_, _| {}).await {
        Ok(raw) => {
            let _ = cache_put(LABELS_URL, &raw).await;
            raw
        }
        Err(e) => cache_get(LABELS_URL).await.ok_or(e)?,
    };
    crate::data::labels::parse_imagenet_labels(&raw).map_err(|e| e.to_string())
}
