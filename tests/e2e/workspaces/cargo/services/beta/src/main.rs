fn main() {
    println!("beta-v1: {} 20+22={}", mono_core::CORE_VERSION, mono_core::add(20, 22));
}
