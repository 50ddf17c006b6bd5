//! The rows a session made for training (activations at the cut, augmented views), kept
//! for the next run: keyed by everything they depend on (a sha256 of the recipe's settings
//! and the image's own sha256), bounded in bytes, the least recently used dropped first,
//! and the rows of images no longer in the project dropped at each run.

use super::TrainConfig;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// What the session keeps at most: a fine-tuning row is 37 KB (K=1: 192 x 7 x 7 floats at
/// the cut) to 88 KB (K=5: 112 x 14 x 14), so this holds 6 000 to 14 000 rows (images or
/// views), and leaves most of a 32-bit wasm worker's 4 GiB to the run's tensors.
pub const ROW_CACHE_BYTES: usize = 512 << 20;

struct Entry {
    rows: Rc<Vec<f32>>,
    /// The image's sha256: its rows go when it leaves the project.
    image: String,
    /// When it was last used (the cache's clock).
    used: u64,
}

pub struct RowCache {
    entries: HashMap<String, Entry>,
    bytes: usize,
    limit: usize,
    clock: u64,
}

/// Which rows of an image a key names: its own row at the cut, or its augmented views.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowKind {
    Cut,
    Views,
}

impl RowCache {
    /// An empty cache that keeps at most `limit` bytes of rows.
    pub fn new(limit: usize) -> Self {
        Self {
            entries: HashMap::new(),
            bytes: 0,
            limit,
            clock: 0,
        }
    }

    /// The key of `image`'s rows of `kind` under `config`: the sha256 of every setting
    /// the rows depend on (the cut; for views also their number, strength and seed) and
    /// the image's sha256. Two settings share a key only if they make the same rows.
    pub fn key(config: &TrainConfig, kind: RowKind, image: &str) -> String {
        let mut h = Sha256::new();
        h.update(format!("cut {}\n", config.tuned_blocks));
        if kind == RowKind::Views {
            h.update(format!(
                "views {} strength {:?} seed {}\n",
                config.augment_views, config.augment_strength, config.seed
            ));
        }
        h.update(image.as_bytes());
        format!("{:x}", h.finalize())
    }

    /// The rows under `key`, now the most recently used.
    pub fn get(&mut self, key: &str) -> Option<Rc<Vec<f32>>> {
        self.clock += 1;
        let entry = self.entries.get_mut(key)?;
        entry.used = self.clock;
        Some(entry.rows.clone())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Keep `rows` of `image` under `key`, dropping the least recently used rows (never
    /// these) until the cache is within its limit.
    pub fn insert(&mut self, key: String, image: &str, rows: Rc<Vec<f32>>) {
        self.clock += 1;
        self.bytes += rows.len() * 4;
        let entry = Entry {
            rows,
            image: image.to_string(),
            used: self.clock,
        };
        if let Some(old) = self.entries.insert(key, entry) {
            self.bytes -= old.rows.len() * 4;
        }
        while self.bytes > self.limit {
            let oldest = (self.entries.iter())
                .filter(|(_, e)| e.used < self.clock)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else { break };
            self.remove(&oldest);
        }
    }

    /// Drop the rows of every image not in `images` (removed from the project).
    pub fn keep_images(&mut self, images: &HashSet<&str>) {
        let gone: Vec<String> = (self.entries.iter())
            .filter(|(_, e)| !images.contains(e.image.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        gone.iter().for_each(|k| self.remove(k));
    }

    fn remove(&mut self, key: &str) {
        if let Some(e) = self.entries.remove(key) {
            self.bytes -= e.rows.len() * 4;
        }
    }

    /// Bytes of rows kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys differ whenever the rows would (a setting the kind depends on, or the image),
    /// and only then.
    #[test]
    fn keys_name_everything_the_rows_depend_on() {
        let base = TrainConfig::default();
        let key = |c: &TrainConfig, kind| RowCache::key(c, kind, "aa11");
        let other = |f: fn(&mut TrainConfig)| {
            let mut c = base.clone();
            f(&mut c);
            c
        };
        let seed = other(|c| c.seed += 1);
        let strength = other(|c| c.augment_strength += 0.1);
        let views = other(|c| c.augment_views += 1);
        let cut = other(|c| c.tuned_blocks += 1);
        let rate = other(|c| c.learning_rate *= 2.0);
        for c in [&seed, &strength, &views, &cut] {
            assert_ne!(key(&base, RowKind::Views), key(c, RowKind::Views));
        }
        assert_eq!(key(&base, RowKind::Cut), key(&seed, RowKind::Cut));
        assert_ne!(key(&base, RowKind::Cut), key(&cut, RowKind::Cut));
        assert_ne!(key(&base, RowKind::Cut), key(&base, RowKind::Views));
        assert_eq!(key(&base, RowKind::Views), key(&rate, RowKind::Views));
        assert_ne!(
            key(&base, RowKind::Cut),
            RowCache::key(&base, RowKind::Cut, "bb22")
        );
    }

    /// Within the limit the least recently used rows go first; a removed image's rows go
    /// at once.
    #[test]
    fn the_least_recently_used_go_and_removed_images_rows_too() {
        let mut cache = RowCache::new(3 * 400);
        let rows = |n| Rc::new(vec![0.5; n]);
        for (k, image) in [("a", "img-a"), ("b", "img-b"), ("c", "img-c")] {
            cache.insert(k.into(), image, rows(100));
        }
        assert_eq!(cache.bytes(), 1200);
        assert!(cache.get("a").is_some()); // b is now the oldest
        cache.insert("d".into(), "img-d", rows(100));
        assert!(!cache.contains("b"));
        assert!(cache.contains("a") && cache.contains("c") && cache.contains("d"));
        assert_eq!(cache.bytes(), 1200);
        // One entry larger than the limit stays (a run needs it) and pushes out the rest.
        cache.insert("big".into(), "img-e", rows(400));
        assert!(cache.contains("big") && cache.bytes() == 1600);
        assert_eq!(cache.entries.len(), 1);
        let mut kept = RowCache::new(ROW_CACHE_BYTES);
        kept.insert("x".into(), "img-x", rows(100));
        kept.insert("y".into(), "img-y", rows(100));
        kept.keep_images(&HashSet::from(["img-x"]));
        assert!(kept.contains("x") && !kept.contains("y"));
        assert_eq!(kept.bytes(), 400);
    }
}
