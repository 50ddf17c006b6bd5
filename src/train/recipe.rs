//! One recipe for the rows a run makes from an image, for the page and `graft train`
//! alike: from the pixels of the copy a project keeps of it (`data::stored`; the page reads
//! it from its store, the command line makes it from the file), its activations at the cut
//! when fine-tuning, and its augmented views, seeded by the image file's sha256. So the same
//! photo gives the same rows both ways.

use super::TrainConfig;
use crate::data::augment::{augmented_input, views_rng};
use crate::data::backbone_input;
use image::RgbImage;

/// Which rows to make of one image.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    /// Its own row at the cut (the pooled features serve without fine-tuning).
    pub cut: bool,
    /// `config.augment_views` views (a training image's, never a held-out one's).
    pub views: bool,
}

/// An image's rows, each if wanted: its own (`[row]`) and its views' (`[views * row]`).
#[derive(Debug, Default)]
pub struct ImageRows {
    pub cut: Option<Vec<f32>>,
    pub views: Option<Vec<f32>>,
}

/// Make the `wanted` rows of the image whose kept copy's pixels are `copy` and whose file's
/// sha256 is `hash`; `run` passes one backbone input through to a row (at the cut when
/// fine-tuning, to the pooled features otherwise).
pub async fn image_rows<E>(
    copy: &RgbImage,
    hash: &str,
    config: &TrainConfig,
    wanted: Wanted,
    run: impl AsyncFn(&[f32]) -> Result<Vec<f32>, E>,
) -> Result<ImageRows, E> {
    let mut rows = ImageRows::default();
    if wanted.cut {
        rows.cut = Some(run(&backbone_input(copy)).await?);
    }
    if wanted.views {
        let mut rng = views_rng(config.seed, hash);
        let strength = config.augment_strength as f32;
        let mut made = Vec::new();
        for _ in 0..config.augment_views {
            made.extend(run(&augmented_input(copy, strength, &mut rng)).await?);
        }
        rows.views = Some(made);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::INPUT_SIZE;
    use crate::project::sample_hash;
    use std::cell::RefCell;

    /// Views depend on the image's hash and the seed, not on when or where they are made:
    /// the same photo's views are the same twice, another hash's differ; the cut row is the
    /// plain input's, made first.
    #[test]
    fn the_same_photo_gets_the_same_views() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/images/chelsea.png"
        );
        let bytes = std::fs::read(path).expect("the test photo");
        let copy = crate::data::stored::copy_pixels(&crate::data::decode(&bytes).unwrap()).unwrap();
        let config = TrainConfig {
            augment_views: 2,
            ..TrainConfig::default()
        };
        let seen = RefCell::new(Vec::new());
        let run = async |x: &[f32]| {
            assert_eq!(x.len(), 3 * INPUT_SIZE * INPUT_SIZE);
            seen.borrow_mut().push(x.to_vec());
            Ok::<_, ()>(vec![x.iter().sum::<f32>()])
        };
        let all = Wanted {
            cut: true,
            views: true,
        };
        let make = |hash: &str| pollster::block_on(image_rows(&copy, hash, &config, all, &run));
        let (h1, h2) = (sample_hash(b"one photo"), sample_hash(b"another"));
        let (a, b, other) = (make(&h1).unwrap(), make(&h1).unwrap(), make(&h2).unwrap());
        assert_eq!(seen.borrow()[0], backbone_input(&copy));
        assert_eq!(a.views.as_ref().map(Vec::len), Some(2));
        assert_eq!((a.cut, a.views.clone()), (b.cut, b.views.clone()));
        assert_ne!(a.views, other.views);
        let none = Wanted {
            cut: false,
            views: false,
        };
        let nothing = pollster::block_on(image_rows(&copy, &h1, &config, none, &run)).unwrap();
        assert!(nothing.cut.is_none() && nothing.views.is_none());
    }
}
