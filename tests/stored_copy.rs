//! What training from the kept 256-px copy costs: the page makes fine-tuning activations and
//! augmented views from each sample's stored JPEG (short side 256, quality 85) rather than
//! the dropped original, so the features of both are compared on real photos, plain and as
//! augmented views drawn with the same seed. Prints the cosine similarities it measures.

mod common;

use common::PHOTOS;
use graft::data::augment::augmented_input;
use graft::data::stored::stored_copy;
use graft::data::{backbone_input, decode};
use graft::inference::Backbone;
use graft::rng::SplitMix64;
/// Views per photo, at the page's default strength when augmenting (0.5).
const VIEWS: usize = 4;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn the_stored_copy_keeps_the_features_of_the_original() {
    let backbone = Backbone::load_cpu(&common::weights_bytes()).unwrap();
    let features = |input: Vec<f32>| pollster::block_on(backbone.features(&[&input])).unwrap();
    let (mut plain, mut views) = (Vec::new(), Vec::new());
    for name in PHOTOS {
        let original = image::open(common::photo(name)).unwrap().to_rgb8();
        let copy = decode(&stored_copy(&original).unwrap()).unwrap();
        plain.push(cosine(
            &features(backbone_input(&original)),
            &features(backbone_input(&copy)),
        ));
        let (mut a, mut b) = (SplitMix64(7), SplitMix64(7));
        for _ in 0..VIEWS {
            views.push(cosine(
                &features(augmented_input(&original, 0.5, &mut a)),
                &features(augmented_input(&copy, 0.5, &mut b)),
            ));
        }
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let min = |v: &[f32]| v.iter().copied().fold(1.0, f32::min);
    eprintln!(
        "cosine(original, stored copy) of the features: plain mean {:.4} min {:.4}; views mean {:.4} min {:.4}",
        mean(&plain),
        min(&plain),
        mean(&views),
        min(&views)
    );
    // Measured 0.9956 / 0.9889 plain and 0.957 for views (a view zoomed into the 256-px copy
    // has less detail than one cut from the original); a JPEG at quality 85 of a Triangle-
    // filtered copy, as kept before, gave 0.949 / 0.919 and 0.902.
    assert!(mean(&plain) > 0.99 && min(&plain) > 0.98, "{plain:?}");
    assert!(mean(&views) > 0.95, "{views:?}");
}
