//! One component per file.

pub mod bench_panel;
pub mod device_panel;
pub mod model_panel;
pub mod photo_drop;
pub mod see_panel;
