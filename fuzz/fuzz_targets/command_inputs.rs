//! The other commands' inputs: `bakeplan new`'s plan editing and `affected --files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bakeplan::fuzzing::fuzz_command_inputs(data);
});
