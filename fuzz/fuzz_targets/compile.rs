//! Reading and compiling a plan: arbitrary bytes as `bakeplan.kdl`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bakeplan::fuzzing::fuzz_compile(data);
});
