//! The preview's jobs: the features of a picked, pasted or webcam image, through the
//! current model's tuned blocks when it fine-tuned some; the reducer applies the model.

use super::engine::Engine;
use super::state::State;
use super::teach::send;
use super::teach_state::{Prediction, TeachAction};
use crate::classifier::Classifier;
use crate::data::{backbone_input, decode};
use crate::model::tail::Tail;
use image::RgbImage;
use std::cell::RefCell;
use std::rc::Rc;
use yew::UseReducerDispatcher;

thread_local! {
    /// The tuned blocks of the last fine-tuned model used, built once on the device.
    static TAIL: RefCell<Option<(Rc<Classifier>, Rc<Tail>)>> = const { RefCell::new(None) };
}

/// `classifier`'s tuned blocks as a module on `engine`'s device (cached for the same model).
fn tail_of(classifier: &Rc<Classifier>, engine: &Engine) -> Option<Rc<Tail>> {
    let weights = classifier.tail.as_ref()?;
    TAIL.with_borrow_mut(|cache| {
        if let Some((c, t)) = cache.as_ref()
            && Rc::ptr_eq(c, classifier)
        {
            return Some(t.clone());
        }
        let tail = Rc::new(weights.to_module(&engine.device)?);
        *cache = Some((classifier.clone(), tail.clone()));
        Some(tail)
    })
}

/// The features of one image file for the preview.
pub async fn predict(
    engine: Rc<Engine>,
    classifier: Option<Rc<Classifier>>,
    name: String,
    bytes: Vec<u8>,
    thumb: String,
    dispatch: UseReducerDispatcher<State>,
) {
    match decode(&bytes) {
        Ok(img) => predict_image(engine, classifier, name, &img, thumb, dispatch).await,
        Err(e) => {
            crate::web::files::revoke(&thumb);
            send(
                &dispatch,
                TeachAction::PreviewFailed(format!("{name}: {e}")),
            );
        }
    }
}

/// The features of one decoded image (a file, or a webcam frame) for the preview.
pub async fn predict_image(
    engine: Rc<Engine>,
    classifier: Option<Rc<Classifier>>,
    name: String,
    img: &RgbImage,
    thumb: String,
    dispatch: UseReducerDispatcher<State>,
) {
    let input = Rc::new(backbone_input(img));
    predict_input(engine, classifier, name, input, thumb, dispatch).await;
}

/// The features of one backbone input: the backbone's, or for a fine-tuned `classifier`,
/// those through its tuned blocks.
pub async fn predict_input(
    engine: Rc<Engine>,
    classifier: Option<Rc<Classifier>>,
    name: String,
    input: Rc<Vec<f32>>,
    thumb: String,
    dispatch: UseReducerDispatcher<State>,
) {
    let tuned = classifier.filter(|c| c.tail.is_some());
    let tail = tuned
        .as_ref()
        .and_then(|c| Some((c.tail.as_ref()?.config, tail_of(c, &engine)?)));
    let features = engine
        .backbone
        .features_through(
            &[input.as_slice()],
            tail.as_ref().map(|(c, t)| (c, t.as_ref())),
            &engine.device,
        )
        .await;
    match features {
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
        Err(e) => {
            crate::web::files::revoke(&thumb);
            send(
                &dispatch,
                TeachAction::PreviewFailed(format!("{name}: {e}")),
            );
        }
    }
}

/// When the model changes to one whose features differ from the previewed image's (another
/// fine-tuned model, or back to none), look at the image again, so its bars come back.
#[yew::hook]
pub fn use_fresh_preview(
    t: &super::teach_state::Teach,
    engine: Option<Rc<Engine>>,
    dispatch: UseReducerDispatcher<State>,
) {
    let stale = t
        .prediction
        .as_ref()
        .filter(|p| p.probs.is_empty() && t.classifier.is_some())
        .cloned();
    yew::use_effect_with(t.classifier.clone(), move |classifier| {
        if let (Some(engine), Some(p)) = (engine, stale) {
            let classifier = classifier.clone();
            yew::platform::spawn_local(async move {
                predict_input(engine, classifier, p.name, p.input, p.thumb, dispatch).await;
            });
        }
    });
}
