//! Shared helpers for the native integration tests: fixture paths and the backbone.
#![allow(dead_code)]

use std::path::PathBuf;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Real photos from scikit-image, extracted by `scripts/setup.sh --test`.
pub fn photo(name: &str) -> PathBuf {
    let path = root().join("tests/fixtures/images").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh --test",
        path.display()
    );
    path
}

pub fn weights_bytes() -> Vec<u8> {
    let path = root().join("static/generated/efficientnet_lite0.safetensors");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run scripts/setup.sh", path.display()))
}

pub fn labels() -> Vec<String> {
    let bytes = std::fs::read(root().join("static/generated/imagenet_classes.json"))
        .expect("labels; run scripts/setup.sh");
    graft::data::labels::parse_imagenet_labels(&bytes).expect("valid labels")
}

/// The Vulkan (wgpu) tests must run where the test command installed lavapipe; elsewhere
/// they are skipped only when GRAFT_REQUIRE_GPU is unset, and say so.
pub fn gpu_required() -> bool {
    std::env::var_os("GRAFT_REQUIRE_GPU").is_some_and(|v| v == "1")
}
