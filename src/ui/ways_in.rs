//! The ways a photo comes in (a class card's picker, the Unlabelled tray, a picked or dropped
//! folder, the webcam): each ends in the one embedding queue (`Jobs::enqueue`).

use super::jobs::Jobs;
use super::pending::Pending;
use crate::project::ClassRef;
use crate::state::teach::{Teach, TeachAction};
use crate::web::folders;
use std::rc::Rc;
use web_sys::DragEvent;
use yew::prelude::*;

/// The callbacks that take photos in, the same across renders but for `import`'s users.
pub struct WaysIn {
    /// Files for class `id`.
    pub on_files: Callback<(u32, Vec<web_sys::File>)>,
    /// Files for the Unlabelled tray.
    pub on_tray: Callback<Vec<web_sys::File>>,
    /// A folder of class folders, grouped: its classes are made before its photos arrive.
    pub import: Rc<dyn Fn(folders::Grouped)>,
    /// A folder dropped on the teaching area.
    pub on_drop: Callback<DragEvent>,
    /// A recorded webcam frame for class `id`.
    pub on_frame: Callback<(u32, image::RgbImage)>,
}

/// The ways in; photos are taken only once the backbone is `loaded`.
#[hook]
pub fn use_ways_in(
    t: &Teach,
    jobs: Rc<Jobs>,
    act: Rc<dyn Fn(TeachAction)>,
    loaded: bool,
) -> WaysIn {
    // The project's next sample id is read when called, so the callbacks below stay the
    // same across renders.
    let next_sample = use_mut_ref(|| 0);
    *next_sample.borrow_mut() = t.project.next_sample;
    let enqueue = {
        let jobs = jobs.clone();
        Rc::new(move |items: Vec<Pending>| {
            if loaded {
                jobs.enqueue(items, *next_sample.borrow());
            }
        })
    };
    let to_queue = {
        let enqueue = enqueue.clone();
        move |class: ClassRef, list: Vec<web_sys::File>| {
            let items = list.into_iter().map(|f| Pending::File(class.clone(), f));
            enqueue(items.collect())
        }
    };
    let to_tray = to_queue.clone();
    let import: Rc<dyn Fn(folders::Grouped)> = {
        let (enqueue, act) = (enqueue.clone(), act.clone());
        Rc::new(move |g: folders::Grouped| {
            for path in g.stray {
                let reason = "not inside a class folder, skipped".to_string();
                act(TeachAction::NotAdded { name: path, reason });
            }
            act(TeachAction::EnsureClasses(
                g.classes.iter().map(|(c, _)| c.clone()).collect(),
            ));
            let items = g.classes.into_iter().flat_map(|(class, files)| {
                files
                    .into_iter()
                    .map(move |f| Pending::File(ClassRef::Name(class.clone()), f))
            });
            enqueue(items.collect());
        })
    };
    let on_drop = {
        let import = import.clone();
        Callback::from(move |e: DragEvent| {
            let dirs = e
                .data_transfer()
                .map(|d| folders::dropped_directories(&d))
                .unwrap_or_default();
            if dirs.is_empty() {
                return;
            }
            e.prevent_default();
            let (import, act) = (import.clone(), act.clone());
            yew::platform::spawn_local(async move {
                match folders::read_dropped(dirs).await {
                    Ok(g) => import(g),
                    Err(e) => act(TeachAction::Notice(format!(
                        "The folder could not be read: {e}"
                    ))),
                }
            });
        })
    };
    let on_frame = Callback::from(move |(class, img): (u32, image::RgbImage)| {
        let name = jobs.frame_name();
        enqueue(vec![Pending::Frame(ClassRef::Id(class), name, img)])
    });
    WaysIn {
        on_files: Callback::from(move |(id, list)| to_queue(ClassRef::Id(id), list)),
        on_tray: Callback::from(move |list| to_tray(ClassRef::Unlabelled, list)),
        import,
        on_drop,
        on_frame,
    }
}
