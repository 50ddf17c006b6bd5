//! Work done in turns, one piece a task, whoever asks: class cards coming near the screen
//! together take turns drawing their thumbnails, so one task draws one card's few.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

thread_local! {
    static WAITING: RefCell<VecDeque<Box<dyn FnOnce()>>> = RefCell::default();
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Run `piece` in a task of its own, after those asked for before it. A jump down a
/// project of 50 classes brought ~8 cards near at once, and each drawing its next 12
/// thumbnails in the same task made tasks of 76-89 ms (`bench-scale.mjs`, the click on
/// Train scrolling to it).
pub fn in_turn(piece: impl FnOnce() + 'static) {
    WAITING.with(|w| w.borrow_mut().push_back(Box::new(piece)));
    if !RUNNING.with(|r| r.replace(true)) {
        next();
    }
}

/// The next piece, in a new task (a 0 ms timer); stops when none waits.
fn next() {
    gloo::timers::callback::Timeout::new(0, || {
        match WAITING.with(|w| w.borrow_mut().pop_front()) {
            Some(piece) => {
                piece();
                next();
            }
            None => RUNNING.with(|r| r.set(false)),
        }
    })
    .forget();
}
