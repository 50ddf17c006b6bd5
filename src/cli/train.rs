//! `graft train DIR --out MODEL [--val-dir VAL]`: the page's training on a folder of class
//! folders (or a project file), with the same validation, early stopping, augmentation,
//! fine-tuning and report.

use super::classify::{Rows, embed, load};
use super::trained::Output;
use super::{CliResult, ModelFiles, TrainArgs, open};
use crate::backend::DeviceChoice;
use crate::classifier::check_class_names;
use crate::data::decode;
use crate::data::folder::ImageFolder;
use crate::data::stored::copy_pixels;
use crate::model::FEATURE_DIM;
use crate::model::tail::TailConfig;
use crate::project::sample_hash;
use crate::train::data::check_trainable;
use crate::train::propagation::PseudoRule;
use crate::train::recipe::{Wanted, image_rows};
use crate::train::split::{Plan, plan_for};
use crate::train::{Inputs, Method, Solver, Split, TrainConfig, Views};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A folder's readable images: rows `[N * row]`, class indices and paths.
type Embedded = (Vec<f32>, Vec<usize>, Vec<PathBuf>);

/// Rows (features, or activations at the cut), class indices and paths of a folder's
/// readable images. Identical files within a class are counted once (the page does the
/// same); `class_of` maps the folder's class index to the model's.
fn embed_folder(
    rows: &Rows,
    folder: &ImageFolder,
    class_of: impl Fn(usize) -> usize,
) -> Result<Embedded, Box<dyn std::error::Error>> {
    let mut seen = HashSet::new();
    let mut paths = Vec::new();
    let mut classes_of = Vec::new();
    for (path, class) in &folder.files {
        if let Ok(bytes) = std::fs::read(path)
            && !seen.insert((*class, sample_hash(&bytes)))
        {
            eprintln!(
                "graft: {}: skipped, the same image is already in '{}'",
                path.display(),
                folder.classes[*class]
            );
            continue;
        }
        paths.push(path.clone());
        classes_of.push(class_of(*class));
    }
    let embedded = embed(rows, &paths, |path, e| {
        eprintln!("graft: {}: skipped: {e}", path.display());
    })?;
    let labels = embedded.iter().map(|(i, _)| classes_of[*i]).collect();
    let kept = embedded.iter().map(|(i, _)| paths[*i].clone()).collect();
    let values = embedded.into_iter().flat_map(|(_, f)| f).collect();
    Ok((values, labels, kept))
}

/// `config.augment_views` random views of each training image, as rows, made once.
pub(super) fn augmented_views(
    rows: &Rows,
    paths: &[PathBuf],
    train: &[usize],
    config: &TrainConfig,
) -> Result<Views, Box<dyn std::error::Error>> {
    let mut views = Views::default();
    if config.augment_views == 0 {
        return Ok(views);
    }
    let started = Instant::now();
    for &i in train {
        let bytes = std::fs::read(&paths[i])?;
        let named = |e: String| format!("{}: {e}", paths[i].display());
        // From the copy the page keeps (data::stored), as the page makes its views, so that
        // the same photo gives the same rows both ways.
        let img = decode(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|img| copy_pixels(&img))
            .map_err(named)?;
        // The page's recipe, seeded by the image's content.
        let wanted = Wanted {
            cut: false,
            views: true,
        };
        let run = async |x: &[f32]| (rows.run)(&[x]);
        let made = pollster::block_on(image_rows(&img, &sample_hash(&bytes), config, wanted, run));
        views.features.extend(made?.views.unwrap_or_default());
        views
            .of
            .extend(std::iter::repeat_n(i, config.augment_views));
    }
    eprintln!(
        "graft: {} augmented views of {} training images made in {:.1} s",
        views.of.len(),
        train.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(views)
}

/// A validation folder and, for each of its classes, the training class it is: each must be
/// one of `names`.
fn validation_folder(
    dir: &Path,
    names: &[String],
) -> Result<(ImageFolder, Vec<usize>), Box<dyn std::error::Error>> {
    let val = ImageFolder::scan(dir)?;
    let index = (val.classes.iter())
        .map(|c| {
            names.iter().position(|n| n == c).ok_or_else(|| {
                format!(
                    "{}: class '{c}' is not one of the training classes",
                    dir.display()
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok((val, index))
}

/// What to train on: a folder of class folders (or a project file, unpacked into one), the
/// images set aside for validation, and a separate validation folder.
pub struct Source<'a> {
    /// Named in messages: the folder or the project file.
    pub dir: &'a Path,
    pub folder: ImageFolder,
    pub validation: &'a HashSet<PathBuf>,
    pub val_dir: Option<&'a Path>,
    /// A pool of unlabelled photos (`--unlabeled`).
    pub unlabeled: Option<&'a Path>,
    /// How the pool gets labels (`--pseudo-labels`).
    pub pseudo: PseudoRule,
    /// Adapt the backbone to the photos first (`--adapt-bn`).
    pub adapt_bn: bool,
    /// Fine-tune from a linear probe (`--lp-ft`).
    pub lp_ft: bool,
}

/// What `graft train` reads besides DIR: a validation folder, an unlabelled pool, and
/// whether to adapt the backbone to the photos first.
pub struct Extras<'a> {
    pub val_dir: Option<&'a Path>,
    pub unlabeled: Option<&'a Path>,
    pub pseudo: PseudoRule,
    pub adapt_bn: bool,
    pub lp_ft: bool,
}

pub fn train(
    source: Source,
    out: &Path,
    config: &TrainConfig,
    json: bool,
    choice: DeviceChoice,
    files: &ModelFiles,
) -> CliResult {
    // Refused before any image is read, with the range the page's field gives (and
    // prototypes' or auto's need of the features as they are).
    config.check()?;
    let method = config.method;
    let Source {
        dir,
        folder,
        validation,
        val_dir,
        unlabeled,
        pseudo,
        adapt_bn,
        lp_ft,
    } = source;
    if lp_ft && (config.tuned_blocks == 0 || config.hidden > 0) {
        return Err(
            "--lp-ft fits a linear probe, then fine-tunes from it: it needs \
             --tuned-blocks 1 or more and a linear head (--hidden 0)"
                .into(),
        );
    }
    if unlabeled.is_some() && (config.tuned_blocks > 0 || method != Method::Head) {
        return Err(
            "--unlabeled spreads labels over the backbone's features and trains a \
             head on them: not with --tuned-blocks or another --method"
                .into(),
        );
    }
    let names = folder.classes.clone();
    check_class_names(&names).map_err(|e| format!("{}: {e}", dir.display()))?;
    // AdaBN: on the training photos and the pool (not --val-dir, which stays a measure of
    // photos the backbone has not seen).
    let (backbone, adaptation) = match adapt_bn {
        true => {
            let pool = match unlabeled {
                Some(p) => crate::data::folder::files_under(p)?,
                None => Vec::new(),
            };
            let photos: Vec<&Path> = (folder.files.iter().map(|(p, _)| p.as_path()))
                .chain(pool.iter().map(PathBuf::as_path))
                .collect();
            let (backbone, adaptation) = super::adapt_bn::adapted(files, choice, &photos)?;
            (backbone, Some(adaptation))
        }
        false => (load(files, choice)?, None),
    };
    let out = Output {
        path: out,
        adaptation: adaptation.as_ref(),
    };
    // Fine-tuning starts from the pre-trained blocks and trains on activations at their cut.
    let tail = TailConfig::new(config.tuned_blocks).and_then(|cut| backbone.pretrained_tail(cut));
    let (rows, shape) = match &tail {
        Some(t) => (Rows::cut(&backbone, t.config), t.config.cut_shape()),
        None => (Rows::features(&backbone), [crate::model::FEATURE_DIM, 1, 1]),
    };
    let started = Instant::now();
    let (mut values, mut labels, paths) = embed_folder(&rows, &folder, |c| c)?;
    let trained = labels.len();
    let embed_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "graft: {trained} images in {} classes embedded in {embed_seconds:.1} s",
        names.len(),
    );
    // A separate validation folder replaces the held-out share: its class folders must be
    // among the training folder's.
    let compute = open(choice)?;
    let named = |e: String| format!("{}: {e}", dir.display());
    let val = match val_dir {
        Some(v) => Some(validation_folder(v, &names)?),
        None => None,
    };
    let plan = match &val {
        Some((val, index)) => {
            let (f, l, _) = embed_folder(&rows, val, |c| index[c])?;
            values.extend(f);
            labels.extend(l);
            Plan::HeldOut(Split {
                train: (0..trained).collect(),
                validation: (trained..labels.len()).collect(),
            })
        }
        None => check_trainable(&names, &labels)
            .and_then(|()| {
                let held: Vec<bool> = paths.iter().map(|p| validation.contains(p)).collect();
                plan_for(config, &labels, &held, &names)
            })
            .map_err(|e| named(e.to_string()))?,
    };
    let views = augmented_views(&rows, &paths, &plan.trained(trained), config)?;
    // Photos labelled by propagation train every fit, after the labelled (and validation)
    // rows; they are never measured on.
    let plan = match unlabeled {
        Some(pool) => {
            let labelled: Vec<usize> = plan.trained(trained);
            let features: Vec<f32> = (labelled.iter())
                .flat_map(|&i| &values[i * FEATURE_DIM..(i + 1) * FEATURE_DIM])
                .copied()
                .collect();
            let classes: Vec<usize> = labelled.iter().map(|&i| labels[i]).collect();
            let labelled = (features.as_slice(), classes.as_slice());
            let (extra, extra_labels) =
                super::unlabeled::pseudo_labelled(&rows, pool, labelled, &names, pseudo)?;
            if !matches!(plan, Plan::HeldOut(_)) {
                eprintln!(
                    "graft: note: the figures below are measured on labelled photos whose labels \
                     also spread to the unlabelled ones; --val-dir measures without that"
                );
            }
            let from = labels.len();
            values.extend(extra);
            labels.extend(extra_labels);
            plan.with_extra_training(from..labels.len())
        }
        None => plan,
    };
    let inputs = Inputs {
        values: &values,
        shape,
        labels: &labels,
    };
    let model = (names.as_slice(), backbone.weights_id());
    let finish = |c| super::trained::finish(c, &names, out, json);
    match method {
        Method::Prototypes => {
            return finish(super::train_prototypes::fit(inputs, plan, model, config));
        }
        Method::Auto => {
            // The same photos' rows made another way (an adapted backbone, a cut), in the
            // same order: auto's candidates beyond the head (`auto::Sources`).
            let photos: Vec<&Path> = folder.files.iter().map(|(p, _)| p.as_path()).collect();
            let sources = super::auto::Sources {
                files,
                choice,
                backbone: &backbone,
                device: &compute.device,
                photos: &photos,
                paths: &paths,
                rows_of: &|rows: &Rows| {
                    let (mut v, _, kept) = embed_folder(rows, &folder, |c| c)?;
                    if let Some((val, index)) = &val {
                        v.extend(embed_folder(rows, val, |c| index[c])?.0);
                    }
                    match kept == paths {
                        true => Ok(v),
                        false => Err("the photos read differently the second time".into()),
                    }
                },
                embedded_in: embed_seconds,
            };
            return super::auto::choose(inputs, plan, model, config, (out, json), sources);
        }
        Method::Head if config.solver == Solver::Lbfgs => {
            let fitted = super::train_linear::fit(inputs, plan, model, config, &views, json)?;
            return finish(fitted);
        }
        Method::Head => {}
    }
    let job = super::train_adam::Job {
        device: &compute.device,
        inputs,
        plan,
        names: &names,
        backbone_id: backbone.weights_id(),
        config,
        views: &views,
        tail: tail.as_ref(),
        probe_first: lp_ft,
        deadline: None,
    };
    super::train_adam::train(job, out, json)
}

/// `graft train`: on a folder, or on a project file unpacked into one (its settings under
/// the flags given).
pub fn command(
    dir: &std::path::Path,
    extras: Extras,
    out: &std::path::Path,
    args: &TrainArgs,
    json: bool,
    device: super::DeviceArgs,
    files: &ModelFiles,
) -> CliResult {
    let none = std::collections::HashSet::new();
    let (unpacked, config) = if dir.is_file() {
        let unpacked = super::project::unpack(dir)?;
        let config = match &unpacked.settings {
            Some(settings) => args.over(settings.clone()),
            None => args.config(Solver::default()),
        };
        (Some(unpacked), config?)
    } else {
        (None, args.config(Solver::default())?)
    };
    // A project of several tasks trains them all (marks and tray as `multitask` says).
    if let Some(u) = unpacked.as_ref().filter(|u| !u.tasks.is_empty()) {
        let alone = extras.val_dir.is_none() && extras.unlabeled.is_none();
        if !alone || extras.adapt_bn || extras.lp_ft {
            return Err(
                "a project of several tasks trains them all: not with --val-dir, \
                        --unlabeled, --adapt-bn or --lp-ft"
                    .into(),
            );
        }
        return super::multitask::project(u, out, &config, json, device.device, files);
    }
    let (folder, validation) = match &unpacked {
        Some(u) => (u.folder.clone(), &u.validation),
        None => (crate::data::folder::ImageFolder::scan(dir)?, &none),
    };
    // The project's Unlabelled tray is its pool, where a pool can train (as in the page).
    let tray = unpacked.as_ref().and_then(|u| u.unlabelled.as_deref());
    let unlabeled = match (extras.unlabeled, tray) {
        (None, Some(tray)) if config.tuned_blocks == 0 && config.method == Method::Head => {
            eprintln!("graft: the project's Unlabelled images are its --unlabeled pool");
            Some(tray)
        }
        (None, Some(_)) => {
            eprintln!(
                "graft: the project's Unlabelled images are not used: they train a head on \
                 the backbone's features, not with --tuned-blocks or another --method"
            );
            None
        }
        (given, _) => given,
    };
    let source = Source {
        dir,
        folder,
        validation,
        val_dir: extras.val_dir,
        unlabeled,
        pseudo: extras.pseudo,
        adapt_bn: extras.adapt_bn,
        lp_ft: extras.lp_ft,
    };
    train(source, out, &config, json, device.device, files)
}
