//! Shared helpers for the native integration tests: fixture paths and the backbone.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// The fixture photos (scikit-image's, and the rocket JPEG), by file name.
pub const PHOTOS: [&str; 9] = [
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "grass.png",
    "gravel.png",
    "motorcycle_left.png",
    "rocket.jpg",
];

/// graft's Python (numpy, scikit-learn, Pillow, ONNX Runtime), made by `scripts/setup.sh`.
pub fn python() -> PathBuf {
    let home = std::env::var("HOME").expect("HOME is set");
    let path = PathBuf::from(home).join(".cache/graft/venv/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh --test",
        path.display()
    );
    path
}

/// The largest absolute difference between two equally long slices.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
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

/// Which half of each texture photo crops come from: train on the top, hold out the bottom,
/// so no held-out pixel was ever seen in training.
#[derive(Clone, Copy, Debug)]
pub enum Half {
    Top,
    Bottom,
}

/// The classes of the learning tests: real 512x512 texture photos from scikit-image.
pub const TEXTURES: [&str; 3] = ["brick", "grass", "gravel"];

/// Write `per_class` random square crops (96-200 px, some mirrored) of each texture photo's
/// `half` into `dir/<class>/NN.png`: the ImageFolder layout, from real photos.
pub fn texture_folder(dir: &std::path::Path, half: Half, per_class: usize, seed: u64) {
    let files = TEXTURES.map(|c| (c, format!("{c}.png")));
    crop_folder(dir, &files, half, per_class, seed);
}

/// Photos whose crops make a harder set: scenes, not textures, halves unlike each other.
pub const SCENES: [(&str, &str); 6] = [
    ("astronaut", "astronaut.png"),
    ("camera", "camera.png"),
    ("cat", "chelsea.png"),
    ("coffee", "coffee.png"),
    ("motorcycle", "motorcycle_left.png"),
    ("rocket", "rocket.jpg"),
];

/// Crops of each `(class, photo)`'s `half` into `dir/<class>/NN.png` (see `texture_folder`).
pub fn crop_folder<S: AsRef<str>>(
    dir: &std::path::Path,
    files: &[(&str, S)],
    half: Half,
    per_class: usize,
    seed: u64,
) {
    let mut rng = graft::rng::SplitMix64(seed);
    for (class, file) in files {
        let img = image::open(photo(file.as_ref()))
            .expect("photo decodes")
            .to_rgb8();
        let (w, h) = img.dimensions();
        let out = dir.join(class);
        std::fs::create_dir_all(&out).unwrap();
        for i in 0..per_class {
            let size = (h / 2).min(96 + rng.below(105) as u32);
            let x = rng.below((w - size) as usize + 1) as u32;
            let y0 = match half {
                Half::Top => 0,
                Half::Bottom => h / 2,
            };
            let y = y0 + rng.below((h / 2 - size) as usize + 1) as u32;
            let mut crop = image::imageops::crop_imm(&img, x, y, size, size).to_image();
            if rng.below(2) == 1 {
                crop = image::imageops::flip_horizontal(&crop);
            }
            crop.save(out.join(format!("{i:02}.png"))).unwrap();
        }
    }
}

/// A real two-task set: crops of `SCENES`' `half` (as `crop_folder`), a random half of
/// them turned upside down (generated here), each saved twice with the same bytes:
/// `root/what/<scene>/NN.png` and `root/turned/<upright|upside down>/<scene>NN.png`.
pub fn two_task_folders(root: &Path, half: Half, per_class: usize, seed: u64) {
    let crops = root.join("crops");
    crop_folder(&crops, &SCENES, half, per_class, seed);
    let mut rng = graft::rng::SplitMix64(seed ^ 0x7e57);
    for (scene, _) in SCENES {
        std::fs::create_dir_all(root.join("what").join(scene)).unwrap();
        for i in 0..per_class {
            let name = format!("{i:02}.png");
            let mut img = image::open(crops.join(scene).join(&name))
                .unwrap()
                .to_rgb8();
            let turned = rng.below(2) == 1;
            if turned {
                img = image::imageops::rotate180(&img);
            }
            let way = if turned { "upside down" } else { "upright" };
            img.save(root.join("what").join(scene).join(&name)).unwrap();
            let dir = root.join("turned").join(way);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(
                root.join("what").join(scene).join(&name),
                dir.join(format!("{scene}{name}")),
            )
            .unwrap();
        }
    }
    std::fs::remove_dir_all(crops).unwrap();
}

/// Run the `graft` binary: exit code, stdout as JSON lines, stderr.
pub fn graft(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_graft"))
        .args(args)
        .output()
        .expect("graft runs");
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A fresh, empty folder for test `name` under cargo's temporary target dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Each texture class's files under `dir`, sorted: `(path, class)`.
pub fn images_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for class in TEXTURES {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(class))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        out.extend(
            files
                .into_iter()
                .map(|p| (p.display().to_string(), class.to_string())),
        );
    }
    out
}

/// `graft embed` of every image under `dir`: features and class index, in file order.
pub fn embed_classes(dir: &Path, classes: &[&str]) -> (Vec<f32>, Vec<usize>) {
    let mut paths = Vec::new();
    for (c, class) in classes.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(class))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        paths.extend(files.into_iter().map(|p| (p, c)));
    }
    let mut args = vec!["embed", "--json", "--device", "cpu"];
    let names: Vec<String> = paths.iter().map(|(p, _)| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let (code, lines, err) = graft(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.len(), paths.len());
    let features = lines
        .iter()
        .flat_map(|l| {
            let f = l["features"].as_array().unwrap();
            assert_eq!(f.len(), graft::model::FEATURE_DIM);
            f.iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    (features, paths.iter().map(|(_, c)| *c).collect())
}
