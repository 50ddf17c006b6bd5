//! The page's actions, dispatched now or held a moment and dispatched together: a folder of
//! small photos is answered by the workers ~30 times a second, and every dispatch is a
//! render of the page, which takes its thread from the workers on a 2-core machine.

use crate::state::{Action, State};
use gloo::timers::future::TimeoutFuture;
use std::cell::RefCell;
use std::rc::Rc;
use yew::UseReducerDispatcher;

/// The longest an answer waits to be drawn (ms): four renders a second at most while a
/// folder is added, each with every answer since the last. Each render is also a frame for
/// Chromium's compositor and GPU process: at 250 ms rather than 100, Chromium's work a
/// photo (the page's thread, compositing) took ~1.5 ms less of the two cores that the
/// workers share (`profile-add.mjs 10 100 2`, docs/benchmarks.md). The last answer of a
/// queue is drawn at once (`Jobs::answered`).
const HOLD_MS: u32 = 250;
/// Held actions dispatched at once without waiting for the timer: a hidden tab's timers
/// fire once a second or less often, and the project (so what is saved of it) must not
/// trail the workers by more than a few photos' answers (each photo is 2-4 actions).
const HOLD_AT_MOST: usize = 48;

pub struct Batch {
    dispatch: UseReducerDispatcher<State>,
    held: Rc<RefCell<Vec<Action>>>,
}

impl Batch {
    pub fn new(dispatch: UseReducerDispatcher<State>) -> Self {
        Batch {
            dispatch,
            held: Rc::default(),
        }
    }

    /// Dispatch `action` now, after every held one (the order of actions is kept).
    pub fn now(&self, action: Action) {
        flush(&self.dispatch, &self.held);
        self.dispatch.dispatch(action);
    }

    /// Hold `action` until the next flush, at most `HOLD_MS` away: the actions dispatched
    /// in one task are reduced one by one and drawn once.
    pub fn soon(&self, action: Action) {
        let held = {
            let mut held = self.held.borrow_mut();
            held.push(action);
            held.len()
        };
        if held >= HOLD_AT_MOST {
            flush(&self.dispatch, &self.held);
        } else if held == 1 {
            let (dispatch, held) = (self.dispatch.clone(), self.held.clone());
            yew::platform::spawn_local(async move {
                TimeoutFuture::new(HOLD_MS).await;
                flush(&dispatch, &held);
            });
        }
    }
}

fn flush(dispatch: &UseReducerDispatcher<State>, held: &RefCell<Vec<Action>>) {
    let actions = std::mem::take(&mut *held.borrow_mut());
    for action in actions {
        dispatch.dispatch(action);
    }
}
