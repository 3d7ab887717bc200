//! Stage 4: the dependency graph of the resolved plan, and what is computed from it (the view
//! `bakeplan graph` prints, its formats, the services a change affects).

pub mod affected;
pub mod dependency;
pub mod format;
pub mod shard;
pub mod view;
