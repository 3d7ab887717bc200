//! stdout and stderr for every command (the `out!`/`outln!`/`err!`/`errln!` macros): a write
//! that fails — a closed pipe, a closed descriptor — is dropped quietly. Rust's `println!`
//! panics there ("failed printing to stdout"); a CLI piped into `head` should just stop
//! talking and still exit with its own status.

use std::io::Write as _;

pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub fn write_err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
