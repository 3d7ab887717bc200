fn main() {
    println!("rust-app: ok");
}
