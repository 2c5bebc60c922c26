//! Minifies `src/routes/embed.js` into `OUT_DIR/embed.min.js`, the script
//! leadrelay serves at `/embed.js`: the source stays readable, the page
//! downloads a small file, and no minifier is linked into the binary.

use std::{env, fs, path::Path};

fn main() {
    let source_path = "src/routes/embed.js";
    println!("cargo:rerun-if-changed={source_path}");
    let source = fs::read_to_string(source_path).expect("src/routes/embed.js is readable");
    let minified = minifier::js::minify(&source)
        .expect("src/routes/embed.js minifies")
        .to_string();
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embed.min.js");
    fs::write(out, minified).expect("OUT_DIR is writable");
}
