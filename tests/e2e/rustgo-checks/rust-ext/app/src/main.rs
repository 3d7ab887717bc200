//! A tiny HTTP server for the extension-point checks: answers "ok" on port 8080 and installs no
//! signal handler, so as PID 1 without an init it would ignore `docker stop`'s SIGTERM.
use std::io::{Read, Write};
use std::net::TcpListener;

const PORT: u16 = 8080;

fn main() {
    println!("ext: {} on port {}", std::env::var("GREETING").unwrap_or_default(), PORT);
    let listener = TcpListener::bind(("0.0.0.0", PORT)).expect("bind");
    for stream in listener.incoming().flatten() {
        let mut stream = stream;
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
    }
}

#[cfg(test)]
mod tests {
    static_assertions::const_assert!(super::PORT > 1024);
}
