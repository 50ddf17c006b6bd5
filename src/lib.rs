//! graft: transfer learning in the browser. The library holds all logic; the web app
//! (`src/bin/graft_web.rs`) and the native CLI (`src/bin/graft.rs`) are thin entry points.

pub mod adapt;
pub mod archive;
pub mod backend;
pub mod classifier;
pub mod data;
pub mod explore;
pub mod export;
pub mod heat;
pub mod inference;
pub mod model;
pub mod preset;
pub mod project;
pub mod project_file;
pub mod project_meta;
pub mod rng;
pub mod session;
pub mod state;
pub mod tasks;
pub mod thumb;
pub mod train;
pub mod tray;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod assets;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;
