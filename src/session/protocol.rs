//! The session's protocol, one file: `Request`s in, `Event`s out. On the wire each message
//! is a JSON header (these enums, serde) and its bulk data as separate byte buffers, which a
//! worker's `postMessage` transfers instead of copying (`web::worker` does the wire).

use super::prepare::{Prepared, prepare};
use serde::{Deserialize, Serialize};

/// What the page asks of the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Request {
    /// Prepare the photo whose file bytes are buffer 0 (`Event::Prepared` or `Refused`).
    Prepare { id: u64 },
}

impl Request {
    /// The id its answer carries.
    pub fn id(&self) -> u64 {
        match self {
            Request::Prepare { id } => *id,
        }
    }
}

/// What the session tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    /// The session listens: sent once, when it has started.
    Ready,
    /// Request `id`'s photo: buffer 0 is the backbone's input (f32, little-endian), buffer
    /// 1 the kept copy (JPEG).
    Prepared { id: u64, hash: String },
    /// Request `id` could not be done; `reason` is shown to the person as it is.
    Refused { id: u64, reason: String },
}

/// Answer one request: the event and its buffers.
pub fn handle(request: Request, buffers: Vec<Vec<u8>>) -> (Event, Vec<Vec<u8>>) {
    match request {
        Request::Prepare { id } => {
            let Some(bytes) = buffers.first() else {
                let reason = "no file came with the request".to_string();
                return (Event::Refused { id, reason }, Vec::new());
            };
            match prepare(bytes) {
                Ok(p) => {
                    let input = p.input.iter().flat_map(|v| v.to_le_bytes()).collect();
                    (Event::Prepared { id, hash: p.hash }, vec![input, p.copy])
                }
                Err(reason) => (Event::Refused { id, reason }, Vec::new()),
            }
        }
    }
}

/// The page's side of `Event::Prepared`: the photo back from its header and buffers;
/// `None` if they do not fit together (a session of another build).
pub fn prepared(hash: String, buffers: Vec<Vec<u8>>) -> Option<Prepared> {
    let [input, copy]: [Vec<u8>; 2] = buffers.try_into().ok()?;
    if input.len() % 4 != 0 {
        return None;
    }
    let input = input
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some(Prepared { hash, input, copy })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/images/chelsea.png"
        );
        std::fs::read(path).expect("the test photo")
    }

    /// A photo through the wire format comes back as `prepare` made it, bit for bit; the
    /// header survives JSON.
    #[test]
    fn a_prepared_photo_survives_the_wire() {
        let bytes = photo();
        let (event, buffers) = handle(Request::Prepare { id: 7 }, vec![bytes.clone()]);
        let json = serde_json::to_string(&event).unwrap();
        let Event::Prepared { id, hash } = serde_json::from_str(&json).unwrap() else {
            panic!("{json}");
        };
        assert_eq!(id, 7);
        let back = prepared(hash, buffers).expect("fits");
        assert_eq!(back, prepare(&bytes).unwrap());
    }

    /// Bad files are refused with `decode`'s words; a request without its file too.
    #[test]
    fn bad_files_are_refused_in_words() {
        let (event, buffers) = handle(Request::Prepare { id: 3 }, vec![b"notes".to_vec()]);
        assert!(buffers.is_empty());
        assert!(
            matches!(&event, Event::Refused { id: 3, reason } if reason.contains("not an image")),
            "{event:?}"
        );
        let (event, _) = handle(Request::Prepare { id: 4 }, Vec::new());
        assert!(matches!(event, Event::Refused { id: 4, .. }));
        assert!(prepared("h".into(), vec![vec![0; 3], vec![]]).is_none());
    }
}
