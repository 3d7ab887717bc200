//! `bakeplan init`: arbitrary bytes as a repository's manifests, the plan written compiled.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bakeplan::fuzzing::fuzz_init(data);
});
