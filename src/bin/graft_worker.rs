//! The session's Web Worker (static/worker.js loads it): `web::worker::serve` answers the
//! page's requests off its thread (src/session/).

#[cfg(target_arch = "wasm32")]
fn main() {
    graft::web::worker::serve();
}

// Natively this binary has nothing to do; it exists so `cargo build` covers every target.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("graft-worker runs in the page's Web Worker: run the README's serve command");
    std::process::exit(2);
}
