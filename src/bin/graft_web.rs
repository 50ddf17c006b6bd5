//! The web app's entry point, built for wasm32 (see index.html): `web::start` does it all.

#[cfg(target_arch = "wasm32")]
fn main() {
    graft::web::start();
}

// Natively this binary has nothing to do; it exists so `cargo build` covers every target.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("graft-web is the browser app: run the README's serve command and open the page");
    std::process::exit(2);
}
