//! `?preset=URL`: a tutorial's project, fetched and opened in the page. A preset is JSON
//! (preset.rs) or a project file (project_file.rs); it and everything it names must be on
//! this page's own origin, or on the embedding page's when embed.js made the widget (the
//! page's Content-Security-Policy allows no other connection: the host page reads those
//! for it, host_fetch.rs). Anything else is refused, with a message, before any request.

use super::jobs::Jobs;
use super::pending::Pending;
use super::project_io::Incoming;
use crate::preset::Preset;
use crate::project::ClassRef;
use crate::state::teach::TeachAction;
use crate::web::fetch::fetch_bytes;
use crate::web::host_fetch;
use std::rc::Rc;

/// A fetched preset: its JSON and the address its URLs are relative to, or a project file.
pub enum Fetched {
    Json(Preset, String),
    Project(String, Vec<u8>),
}

impl Fetched {
    /// Whether the reader's own project (what they add) is kept in their browser.
    pub fn keeps(&self) -> bool {
        match self {
            Fetched::Json(p, _) => p.keep,
            Fetched::Project(..) => true,
        }
    }
}

/// Who reads a preset's file: this page, or the embedding page for it (host_fetch.rs).
enum Reader {
    Own,
    Host,
}

/// `url` resolved against `base`, if it is on the page's own origin or (embedded by
/// embed.js) the embedding page's, and who reads it; else why not.
fn allowed(url: &str, base: &str) -> Result<(String, Reader), String> {
    let resolved =
        web_sys::Url::new_with_base(url, base).map_err(|_| format!("{url} is not an address"))?;
    let own = gloo::utils::window()
        .location()
        .origin()
        .unwrap_or_default();
    let origin = resolved.origin();
    if origin == own {
        return Ok((resolved.href(), Reader::Own));
    }
    match host_fetch::host_origin() {
        Some((host, true)) if host == origin => Ok((resolved.href(), Reader::Host)),
        Some((host, false)) if host == origin => Err(format!(
            "{url} is on the embedding page's site ({origin}): a plain iframe reads presets \
             only from graft's own site ({own}); embed the widget with embed.js, which \
             hands them over, or put the preset beside graft"
        )),
        _ => Err(format!(
            "{url} is on {origin}; graft reads presets only from its own site ({own}) or \
             the page embedding it"
        )),
    }
}

/// The bytes at `url` (relative to `base`), read by whoever may.
async fn read(url: &str, base: &str) -> Result<(Vec<u8>, String), String> {
    let (href, reader) = allowed(url, base)?;
    let bytes = match reader {
        Reader::Own => fetch_bytes(&href, |_, _| {}).await?,
        Reader::Host => host_fetch::fetch(&href).await?,
    };
    Ok((bytes, href))
}

/// The preset the page's address names (`?preset=URL`), fetched and checked; `None` if
/// there is none, or why it cannot be used.
pub async fn fetch() -> Option<Result<Fetched, String>> {
    let url = crate::web::query_param("preset")?;
    let failed = |e: String| format!("The preset could not be opened: {e}");
    let base = gloo::utils::window().location().href().unwrap_or_default();
    Some(
        async {
            let (bytes, href) = read(&url, &base).await?;
            // A zip's local header: a project file used as a preset.
            if bytes.starts_with(b"PK\x03\x04") {
                return Ok(Fetched::Project(url.clone(), bytes));
            }
            Ok::<_, String>(Fetched::Json(Preset::parse(&bytes)?, href))
        }
        .await
        .map_err(failed),
    )
}

/// Fill the (empty) project with the preset: its classes and settings, then each image
/// fetched (one that cannot be is named) and embedded, then its model, checked by the
/// session like a loaded model file.
pub async fn fill(jobs: &Rc<Jobs>, fetched: Fetched) {
    let (preset, base) = match fetched {
        Fetched::Project(name, bytes) => {
            if let Err(e) = super::project_io::open_bytes(jobs, name, bytes).await {
                jobs.act(TeachAction::Notice(format!(
                    "The preset could not be opened: {e}"
                )));
            }
            return;
        }
        Fetched::Json(preset, base) => (preset, base),
    };
    let (mut images, mut unread) = (Vec::new(), Vec::new());
    for class in &preset.classes {
        for url in &class.images {
            let name = url.rsplit('/').next().unwrap_or(url).to_string();
            let class = ClassRef::Name(class.name.clone());
            match read(url, &base).await {
                Ok((bytes, _)) => {
                    images.push(Pending::Opened(class, name, bytes, Default::default()))
                }
                Err(reason) => unread.push((url.clone(), format!("not fetched: {reason}"))),
            }
        }
    }
    let mut model = None;
    if let Some(url) = &preset.model {
        match read(url, &base).await {
            Ok((bytes, _)) => model = Some((url.clone(), bytes)),
            Err(e) => jobs.act(TeachAction::Notice(format!(
                "The preset's model could not be fetched: {e}"
            ))),
        }
    }
    Incoming {
        classes: preset.class_names(),
        settings: preset.settings,
        images,
        unread,
        model,
        tasks: None,
    }
    .put(jobs);
}
