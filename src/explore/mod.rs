//! Looking at the photos through their embeddings (issue 18): a 2-D map of them (`pca`) and
//! the photos whose neighbours carry another label (`suspects`). Plain Rust on the rows the
//! page and the command line already hold; no backbone, no training.

pub mod pca;
pub mod suspects;
pub mod view;
