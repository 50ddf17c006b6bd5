//! The preview's jobs: the features of a picked, pasted or webcam image, through the
//! current model's tuned blocks when it fine-tuned some; the reducer applies the model.

use super::engine::{Engine, EngineSlot, gpu_gone, move_to_cpu};
use super::jobs::send;
use crate::classifier::Classifier;
use crate::data::{backbone_input, decode};
use crate::model::tail::Tail;
use crate::state::State;
use crate::state::teach::{Prediction, TeachAction};
use crate::thumb::Thumb;
use image::RgbImage;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// A model, whether its blocks were built on the GPU, and those blocks.
type BuiltTail = (Rc<Classifier>, bool, Rc<Tail>);

thread_local! {
    /// The tuned blocks of the last fine-tuned model used, built once on the device (on the
    /// GPU or not: the page moves to the CPU if its GPU is lost).
    static TAIL: RefCell<Option<BuiltTail>> = const { RefCell::new(None) };
    /// The newest preview asked for. Jobs can finish out of order (a webcam frame still in
    /// the backbone when an image is pasted); only the newest one's result is shown.
    static NEWEST: Cell<u64> = const { Cell::new(0) };
}

/// `classifier`'s tuned blocks as a module on `engine`'s device (cached for the same model).
fn tail_of(classifier: &Rc<Classifier>, engine: &Engine) -> Option<Rc<Tail>> {
    let weights = classifier.tail.as_ref()?;
    TAIL.with_borrow_mut(|cache| {
        let gpu = engine.info.is_gpu();
        if let Some((c, on_gpu, t)) = cache.as_ref()
            && Rc::ptr_eq(c, classifier)
            && *on_gpu == gpu
        {
            return Some(t.clone());
        }
        let tail = Rc::new(weights.to_module(&engine.device)?);
        *cache = Some((classifier.clone(), gpu, tail.clone()));
        Some(tail)
    })
}

/// The features of one image file for the preview.
pub async fn predict(
    slot: EngineSlot,
    classifier: Option<Rc<Classifier>>,
    name: String,
    bytes: Vec<u8>,
    thumb: Thumb,
    dispatch: UseReducerDispatcher<State>,
) {
    match decode(&bytes) {
        Ok(img) => predict_image(slot, classifier, name, &img, thumb, dispatch).await,
        Err(e) => send(
            &dispatch,
            TeachAction::PreviewFailed(format!("{name}: {e}")),
        ),
    }
}

/// The features of one decoded image (a file, or a webcam frame) for the preview.
pub async fn predict_image(
    slot: EngineSlot,
    classifier: Option<Rc<Classifier>>,
    name: String,
    img: &RgbImage,
    thumb: Thumb,
    dispatch: UseReducerDispatcher<State>,
) {
    let input = Rc::new(backbone_input(img));
    predict_input(slot, classifier, name, input, thumb, dispatch).await;
}

/// The backbone's features of `input`, through `tuned`'s blocks when it has some.
async fn features(
    engine: &Engine,
    tuned: Option<&Rc<Classifier>>,
    input: &[f32],
) -> Result<Vec<f32>, String> {
    let tail = tuned.and_then(|c| Some((c.tail.as_ref()?.config, tail_of(c, engine)?)));
    let through = tail.as_ref().map(|(c, t)| (c, t.as_ref()));
    let inputs = [input];
    let features = engine
        .backbone
        .features_through(&inputs, through, &engine.device);
    features.await.map_err(|e| e.to_string())
}

/// The features of one backbone input: the backbone's, or for a fine-tuned `classifier`,
/// those through its tuned blocks. On the page's engine, moving to the CPU if its GPU is
/// gone.
pub async fn predict_input(
    slot: EngineSlot,
    classifier: Option<Rc<Classifier>>,
    name: String,
    input: Rc<Vec<f32>>,
    thumb: Thumb,
    dispatch: UseReducerDispatcher<State>,
) {
    let ticket = NEWEST.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let Some(engine) = slot.borrow().clone() else {
        return;
    };
    let tuned = classifier.filter(|c| c.tail.is_some());
    let mut found = features(&engine, tuned.as_ref(), &input).await;
    if found.is_err() && gpu_gone(&engine).await {
        found = match move_to_cpu(&engine, &slot, &dispatch).await {
            Ok(cpu) => features(&cpu, tuned.as_ref(), &input).await,
            Err(e) => Err(format!("the GPU stopped responding, and {e}")),
        };
    }
    // A newer preview was asked for meanwhile: this one (and its thumbnail) goes.
    if NEWEST.with(Cell::get) != ticket {
        return;
    }
    match found {
        Ok(features) => send(
            &dispatch,
            TeachAction::Predicted(Prediction {
                name,
                thumb,
                features: Rc::new(features),
                through: tuned,
                input,
                probs: Vec::new(),
            }),
        ),
        Err(e) => send(
            &dispatch,
            TeachAction::PreviewFailed(format!("{name}: {e}")),
        ),
    }
}

/// When the model changes to one whose features differ from the previewed image's (another
/// fine-tuned model, or back to none), look at the image again, so its bars come back.
#[yew::hook]
pub fn use_fresh_preview(
    t: &crate::state::teach::Teach,
    slot: EngineSlot,
    dispatch: UseReducerDispatcher<State>,
) {
    let stale = t
        .prediction
        .as_ref()
        .filter(|p| p.probs.is_empty() && t.classifier.is_some())
        .cloned();
    yew::use_effect_with(t.classifier.clone(), move |classifier| {
        if let Some(p) = stale {
            let classifier = classifier.clone();
            yew::platform::spawn_local(async move {
                predict_input(slot, classifier, p.name, p.input, p.thumb, dispatch).await;
            });
        }
    });
}
