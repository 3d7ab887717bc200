//! Greeting library built on `mono-core`: only the alpha service uses it.

pub const GREET_VERSION: &str = "greet-v1";

pub fn greet(name: &str) -> String {
    format!("hello {} from {} ({}, 2+3={})", name, GREET_VERSION, mono_core::CORE_VERSION, mono_core::add(2, 3))
}
