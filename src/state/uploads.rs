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

/// Picked files sent together (one blob, one read, one write of the worker's), at most:
/// four a message cost Chromium ~0.7 ms a photo less than one (`bench-files.mjs`,
/// `bench-idb.mjs`), and hold the first answers back by three photos' embedding only.
pub const TOGETHER: usize = 4;

/// Bytes of picked files sent together, at most: a worker holds them at once, so 12-MP
/// photos (3-5 MB) go one at a time.
pub const TOGETHER_BYTES: u64 = 4 << 20;

/// Pictures sent to each worker and not yet answered, at most: two messages' worth, enough
/// to keep it busy; the worker reads each message's files only when their turn comes, so a
/// folder of 12-MP photos is not all in memory at once.
const IN_FLIGHT: usize = 2 * TOGETHER;

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

    /// Whether the next message's pictures would be more in flight than may be (as long
    /// as nothing is in flight, never).
    pub fn full(&self) -> bool {
        let next = self.waiting.borrow().len().clamp(1, TOGETHER);
        let in_flight = self.in_flight.get();
        in_flight > 0 && in_flight + next > IN_FLIGHT * self.workers.get()
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
    fn next(&self) -> Option<(u64, T)> {
        let item = self.waiting.borrow_mut().pop_front()?;
        self.in_flight.set(self.in_flight.get() + 1);
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Some((id, item))
    }

    /// The next pictures to send in one message, with their sample ids (none: the queue is
    /// empty): the next, and after it, if it is a picked file (`size` says its bytes; `None`
    /// for any other picture), the picked files that follow it, up to `TOGETHER` of them and
    /// `TOGETHER_BYTES`.
    pub fn next_together(&self, size: impl Fn(&T) -> Option<u64>) -> Vec<(u64, T)> {
        let first = self.next().into_iter().collect::<Vec<_>>();
        let Some(mut bytes) = first.first().and_then(|(_, item)| size(item)) else {
            return first;
        };
        let mut together = first;
        while together.len() < TOGETHER {
            let fits = (self.waiting.borrow().front())
                .and_then(&size)
                .filter(|&more| bytes + more <= TOGETHER_BYTES);
            let Some(more) = fits else { break };
            bytes += more;
            together.extend(self.next());
        }
        together
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

    /// Two messages' worth in flight a worker at most, ids in order from the project's
    /// next, progress counted from when the queue was last empty.
    #[test]
    fn pictures_go_a_few_at_a_time_and_are_counted() {
        let up = Uploads::default();
        let q = up.add(vec!["a"; 9], 5, 100.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (0, 9, 100.0, 5)
        );
        for id in 5..13 {
            assert_eq!(up.next(), Some((id, "a")));
            assert_eq!(
                up.full(),
                id >= 9,
                "{} in flight: no room for four more?",
                id - 4
            );
        }
        let q = up.answered(200.0).unwrap();
        assert_eq!((q.done, q.total, q.seconds_left()), (1, 9, Some(0.8)));
        assert_eq!(q.per_second(), Some(10.0));
        assert!(!up.full(), "room for the last one");
        assert_eq!(up.next(), Some((13, "a")));
        let q = up.add(vec!["b"; 4], 0, 300.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (1, 13, 100.0, 5)
        );
        assert!(up.full(), "a message of four would be twelve in flight");
        let q = up.set_workers(2, 400.0).unwrap();
        assert_eq!((q.workers, up.waiting()), (2, 4));
        assert!(!up.full(), "two workers: sixteen in flight");
        assert_eq!(up.next_together(|_| Some(1)).len(), 4);
        for _ in 0..12 {
            up.answered(450.0);
        }
        assert!(up.answered(500.0).is_none(), "all done: no bar");
        let q = up.add(vec!["e"], 0, 600.0).unwrap();
        assert_eq!(
            (q.done, q.total, q.started_ms, q.first_id),
            (0, 1, 600.0, 18)
        );
    }

    /// Picked files go together, up to `TOGETHER` of them and `TOGETHER_BYTES`; any other
    /// picture, and a file too large to join the others, goes alone.
    #[test]
    fn picked_files_go_together() {
        let up = Uploads::default();
        // (a picked file's size, or none for a webcam frame)
        let mb = 1 << 20;
        let sizes = [
            Some(10),
            Some(20),
            None,
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
        ];
        let more = [Some(3 * mb), Some(2 * mb), Some(5 * mb)];
        up.add(sizes.into_iter().chain(more).collect(), 0, 0.0);
        let ids = |pictures: Vec<(u64, Option<u64>)>| -> Vec<u64> {
            pictures.into_iter().map(|(id, _)| id).collect()
        };
        let size = |picture: &Option<u64>| *picture;
        assert_eq!(ids(up.next_together(size)), [0, 1], "a frame comes next");
        assert_eq!(ids(up.next_together(size)), [2], "a frame goes alone");
        assert_eq!(ids(up.next_together(size)), [3, 4, 5, 6], "four at most");
        assert_eq!(ids(up.next_together(size)), [7, 8], "4 MB at most");
        assert_eq!(ids(up.next_together(size)), [9], "3 + 5 MB is too many");
        assert_eq!(ids(up.next_together(size)), [10], "alone, though over 4 MB");
        assert!(up.next_together(size).is_empty());
    }
}
