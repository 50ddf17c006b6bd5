//! The web app's entry point, built by Trunk for wasm32 (see index.html).

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// The static constructors wasm-ld collects (the `inventory` registrations of burn's
    /// dependencies). Referencing it tells wasm-ld that we run them ourselves; otherwise, in
    /// a binary ("command") it wraps every export to run them again on each call into wasm,
    /// which cost 200-600 ms per event handler here (a profile showed `__wasm_call_ctors`
    /// and `inventory::ErasedNode::submit` on top).
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: called once, first, before any code that reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    graft::web::start();
}

// Natively this binary has nothing to do; it exists so `cargo build` covers every target.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("graft-web is the browser app: run the README's serve command and open the page");
    std::process::exit(2);
}
