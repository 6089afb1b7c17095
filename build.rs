// The code-block test compiles snippets with skeptic's runtime, which finds the
// compiled dependencies from this script's OUT_DIR and needs the target triple.
fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=TARGET={target}");
}
