//! The session's Web Worker (static/worker.js loads it): answers the page's requests off its
//! thread (src/web/worker.rs, src/session/).

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Run once here, as in graft_web.rs: otherwise every export runs them again per call.
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: called once, first, before any code that reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    graft::web::worker::serve();
}

// Natively this binary has nothing to do; it exists so `cargo build` covers every target.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("graft-worker runs in the page's Web Worker: run the README's serve command");
    std::process::exit(2);
}
