//! Shared core library: used by both services and by `mono-greet`.

pub const CORE_VERSION: &str = "core-v1";

/// Adds two numbers; the services print its result to show the library is linked in.
pub fn add(a: u64, b: u64) -> u64 {
    a + b
}
