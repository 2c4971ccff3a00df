//! Rebuilds when the embedded rule pack changes (`include_dir!` alone does
//! not tell cargo which files it read).
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
