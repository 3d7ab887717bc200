//! `bakeplan import compose`: arbitrary bytes as compose files, the plan written compiled.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bakeplan::fuzzing::fuzz_import_compose(data);
});
