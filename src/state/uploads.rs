//! The pictures the page has yet to hand the session: sent in order, a few at a time, and
//! counted for the progress bar (`Queue`: done and asked for since the queue was last empty).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

/// Photos waiting for, or going through, the backbone.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Queue {
    pub done: usize,
    pub total: usize,
    pub started_ms: f64,
    pub now_ms: f64,
    /// Workers embedding them.
    pub workers: usize,
    /// The first sample id sent since the queue was last empty: the photos from it on may
    /// still be coming (`ProjectMeta::adopt_from`).
    pub first_id: u64,
}

impl Queue {
    /// Photos done a second so far (None until the first is done).
    pub fn per_second(&self) -> Option<f64> {
        let seconds = (self.now_ms - self.started_ms) / 1e3;
        (self.done > 0 && seconds > 0.0).then(|| self.done as f64 / seconds)
    }

    /// Seconds left at the rate so far (None until the first photo is done).
    pub fn seconds_left(&self) -> Option<f64> {
        (self.done > 0).then(|| {
            (self.now_ms - self.started_ms) / self.done as f64 * (self.total - self.done) as f64
                / 1e3
        })
    }
}

/// Pictures sent to each worker and not yet answered, at most: enough to keep it busy, few
/// enough that a folder of 12-MP photos is not all in memory at once.
const IN_FLIGHT: usize = 2;

/// The queue of pictures `T` and its counts; sample ids are handed out in sending order.
pub struct Uploads<T> {
    waiting: RefCell<VecDeque<T>>,
    in_flight: Cell<usize>,
    /// Workers embedding (the pool's, as it grows).
    workers: Cell<usize>,
    /// Done and asked for since the queue was last empty, and when it started (ms).
    progress: Cell<(usize, usize, f64)>,
    /// The first sample id handed out since then.
    first_id: Cell<u64>,
    next_id: Cell<u64>,
    /// A task is sending (`Jobs::enqueue` starts one when there is none).
    pub sending: Cell<bool>,
}

impl<T> Default for Uploads<T> {
    fn default() -> Self {
        Self {
            waiting: RefCell::default(),
            in_flight: Cell::new(0),
            workers: Cell::new(1),
            progress: Cell::new((0, 0, 0.0)),
            first_id: Cell::new(0),
            next_id: Cell::new(0),
            sending: Cell::new(false),
        }
    }
}

impl<T> Uploads<T> {
    /// Sample ids from `first` on are free (a restored project used those below).
    pub fn ids_from(&self, first: u64) {
        self.next_id.set(self.next_id.get().max(first));
    }

    /// Queue `items` (at `now_ms`); the queue as the progress bar shows it.
    pub fn add(&self, items: Vec<T>, next_sample: u64, now_ms: f64) -> Option<Queue> {
        self.ids_from(next_sample);
        // A queue that had emptied starts counting afresh (its rate and time left too).
        let (done, total, started) = match self.progress.get() {
            (done, total, _) if done == total => {
                self.first_id.set(self.next_id.get());
                (0, 0, now_ms)
            }
            counted => counted,
        };
        self.progress.set((done, total + items.len(), started));
        self.waiting.borrow_mut().extend(items);
        self.queue(now_ms)
    }

    /// Whether as many pictures as may be are in flight.
    pub fn full(&self) -> bool {
        self.in_flight.get() >= IN_FLIGHT * self.workers.get()
    }

    /// Pictures waiting to be sent.
    pub fn waiting(&self) -> usize {
        self.waiting.borrow().len()
    }

    /// `n` workers embed now (at `now_ms`): more pictures may be in flight, and the bar says so.
    pub fn set_workers(&self, n: usize, now_ms: f64) -> Option<Queue> {
        self.workers.set(n.max(1));
        self.queue(now_ms)
    }

    /// The next picture to send and its sample id (`None`: the queue is empty).
    pub fn next(&self) -> Option<(u64, T)> {
        let item = self.waiting.borrow_mut().pop_front()?;
        self.in_flight.set(self.in_flight.get() + 1);
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Some((id, item))
    }

    /// A picture sent was answered (or could not be sent).
    pub fn answered(&self, now_ms: f64) -> Option<Queue> {
        self.in_flight.set(self.in_flight.get().saturating_sub(1));
        self.count_done(1, now_ms)
    }

    fn count_done(&self, n: usize, now_ms: f64) -> Option<Queue> {
        let (done, total, started) = self.progress.get();
        self.progress.set(((done + n).min(total), total, started));
        self.queue(now_ms)
    }

    /// The queue for the progress bar (`None`: nothing waiting).
    fn queue(&self, now_ms: f64) -> Option<Queue> {
        let (done, total, started_ms) = self.progress.get();
        (done < total).then_some(Queue {
            done,
            total,
            started_ms,
            now_ms,
            workers: self.workers.get(),
            first_id: self.first_id.get(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two in flight a worker at most, ids in order from the project's next, progress
    /// counted from when the queue was last empty.
    #[test]
    fn pictures_go_two_at_a_time_and_are_counted() {
        let up = Uploads::default();
        let q = up.add(vec!["a", "b", "c"], 5, 100.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (0, 3, 100.0, 5)
        );
        assert_eq!(up.next(), Some((5, "a")));
        assert!(!up.full());
        assert_eq!(up.next(), Some((6, "b")));
        assert!(up.full());
        let q = up.answered(200.0).unwrap();
        assert_eq!((q.done, q.total, q.seconds_left()), (1, 3, Some(0.2)));
        assert_eq!(q.per_second(), Some(10.0));
        assert_eq!(up.next(), Some((7, "c")));
        let q = up.add(vec!["d"], 0, 300.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (1, 4, 100.0, 5)
        );
        let q = up.set_workers(2, 400.0).unwrap();
        assert_eq!((q.workers, up.waiting()), (2, 1));
        assert_eq!(up.next(), Some((8, "d")));
        assert!(!up.full(), "two workers: four in flight");
        up.answered(450.0);
        up.answered(460.0);
        assert!(up.answered(500.0).is_none(), "all done: no bar");
        let q = up.add(vec!["e"], 0, 600.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (0, 1, 600.0, 9)
        );
    }
}
