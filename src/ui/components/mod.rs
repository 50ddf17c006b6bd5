//! One component per file.

pub mod auto_table;
pub mod bench_panel;
pub mod class_card;
pub mod classes_panel;
pub mod confidence;
pub mod curves;
pub mod device_panel;
pub mod look_view;
pub mod map_panel;
pub mod metrics_panel;
pub mod model_panel;
pub mod notice_group;
pub mod photo_drop;
pub mod preview_panel;
pub mod project_bar;
pub mod settings_panel;
pub mod sight_panel;
pub mod tasks_panel;
pub mod thumb_item;
pub mod train_panel;
pub mod tray_card;
pub mod use_open;
pub mod webcam_panel;
