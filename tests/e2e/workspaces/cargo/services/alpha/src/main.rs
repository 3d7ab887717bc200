fn main() {
    let mut buf = itoa::Buffer::new();
    let n = buf.format(answer());
    println!("alpha-v1: {} itoa={}", mono_greet::greet("alpha"), n);
}

fn answer() -> u64 {
    ANSWER_BASE + 2
}

#[cfg(test)]
mod tests {
    static_assertions::const_assert!(super::ANSWER_BASE < 100);
}

const ANSWER_BASE: u64 = 40;
