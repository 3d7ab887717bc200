//! Stage 1–3: the plan. Its source text, its errors, the raw model the parser lowers it into,
//! the resolved model every later stage reads, and what both need (spans, paths, names,
//! templates, the plan editor, the `FROM` lines of the Dockerfiles a plan names).

pub mod bake_string;
pub mod dockerfile_from;
pub mod editor;
pub mod error;
pub mod fs;
pub mod kdl_text;
pub mod model;
pub mod names;
pub mod parse;
pub mod path;
pub mod raw;
pub mod resolve;
pub mod schema;
pub mod source;
pub mod spanned;
pub mod suggestion;
pub mod template_set;
