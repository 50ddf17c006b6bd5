//! EfficientNet-Lite0 in Burn against the independent numpy reference
//! (tests/reference/make_reference.py, float64, BatchNorm unfolded), on real photos.

mod common;

use graft::backend::{DeviceChoice, open_native};
use graft::data::{backbone_input, decode};
use graft::inference::{Backbone, top_k};
use graft::model::{FEATURE_DIM, IMAGENET_CLASSES};
use serde::Deserialize;
use std::collections::HashMap;

/// Our weights are f16 with BatchNorm folded, against f64 unfolded: measured max logit
/// error 0.022 on these PNGs (Flex and lavapipe alike); 0.1 leaves margin yet fails on any
/// wrong layer (a wrong padding or a missing residual moves logits by whole units).
const LOGIT_TOL: f32 = 0.1;
/// Features are post-ReLU6 averages in [0, 6]; measured max error 0.013.
const FEATURE_TOL: f32 = 0.04;
/// JPEG decoders differ (PIL's libjpeg vs zune-jpeg): measured 0.051 on rocket.jpg.
const JPEG_LOGIT_TOL: f32 = 0.3;

#[derive(Deserialize)]
struct Reference {
    images: HashMap<String, RefImage>,
}

#[derive(Deserialize)]
struct RefImage {
    logits: Vec<f32>,
    features: Vec<f32>,
}

fn reference() -> Reference {
    let text = std::fs::read_to_string(common::root().join("tests/reference/lite0_reference.json"))
        .expect("reference file");
    serde_json::from_str(&text).expect("reference JSON")
}

/// Check one path: Burn's model on `choice`, or with `fused_cpu` the hand-fused CPU path.
fn check_device(choice: DeviceChoice, fused_cpu: bool) {
    let compute = open_native(choice).expect("device opens");
    let backbone = if fused_cpu {
        Backbone::load_cpu(&common::weights_bytes())
    } else {
        Backbone::load(&common::weights_bytes(), &compute.device)
    }
    .expect("weights load");
    let reference = reference();
    let labels = common::labels();
    let names = ["chelsea.png", "coffee.png", "camera.png", "rocket.jpg"];
    let inputs: Vec<Vec<f32>> = names
        .iter()
        .map(|n| backbone_input(&decode(&std::fs::read(common::photo(n)).unwrap()).unwrap()))
        .collect();
    let refs: Vec<&[f32]> = inputs.iter().map(|x| x.as_slice()).collect();
    let out = pollster::block_on(backbone.run(&refs)).expect("forward pass");
    for (i, name) in names.iter().enumerate() {
        let r = &reference.images[*name];
        let logits = &out.logits[i * IMAGENET_CLASSES..(i + 1) * IMAGENET_CLASSES];
        let features = &out.features[i * FEATURE_DIM..(i + 1) * FEATURE_DIM];
        let (dl, df) = (
            common::max_abs_diff(logits, &r.logits),
            common::max_abs_diff(features, &r.features),
        );
        eprintln!(
            "{} {name}: max |logit diff| {dl:.4}, max |feature diff| {df:.4}",
            compute.info
        );
        let tol = if name.ends_with(".jpg") {
            JPEG_LOGIT_TOL
        } else {
            LOGIT_TOL
        };
        assert!(dl <= tol, "{name}: logits differ by {dl} > {tol}");
        if !name.ends_with(".jpg") {
            assert!(
                df <= FEATURE_TOL,
                "{name}: features differ by {df} > {FEATURE_TOL}"
            );
        }
    }
    let top1 = |i: usize| {
        top_k(
            &out.probs[i * IMAGENET_CLASSES..(i + 1) * IMAGENET_CLASSES],
            &labels,
            1,
        )[0]
        .clone()
    };
    // chelsea is a tabby cat: ImageNet 281-285 are the domestic cats.
    assert!((281..=285).contains(&top1(0).id), "chelsea: {:?}", top1(0));
    // coffee is an espresso (967).
    assert_eq!(top1(1).id, 967, "coffee: {:?}", top1(1));
    assert_eq!(top1(1).label, "espresso");
}

#[test]
fn flex_matches_the_numpy_reference() {
    check_device(DeviceChoice::Cpu, false);
}

#[test]
fn the_fused_cpu_path_matches_the_numpy_reference() {
    check_device(DeviceChoice::Cpu, true);
}

#[test]
fn wgpu_matches_the_numpy_reference() {
    if !common::gpu_required() && open_native(DeviceChoice::Gpu).is_err() {
        eprintln!("skipped: no wgpu adapter here and GRAFT_REQUIRE_GPU is not 1");
        return;
    }
    check_device(DeviceChoice::Gpu, false);
}

/// A model file names its backbone by the sha256 of the weight file's tensor data, and is
/// refused by a graft whose weights differ: set-up's converter (scripts/convert_weights.py)
/// must keep writing these very bytes, or every saved project and downloaded model breaks.
/// The value is what the first converter wrote (the Rust one, before issue 11).
#[test]
fn set_up_converts_the_weights_that_saved_models_name() {
    let file =
        graft::model::WeightFile::parse(&common::weights_bytes()).expect("the weight file parses");
    assert_eq!(
        file.id(),
        "3e9615b712bad9a172d3295fba38ffc906da3031a79d8e6880fd14fb144081f8"
    );
}
