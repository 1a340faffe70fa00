//! Embeds the default letter templates in the binary (issue 11, item 7), so it runs from
//! any directory and from a bare container; `TEMPLATES_DIR` still overrides them at run
//! time. Each file is `include_str!`ed, so Cargo rebuilds when a template changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=templates");
    // `sqlx::migrate!` embeds the migrations: a new one must rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    let root = Path::new("templates");
    let mut files = Vec::new();
    collect(root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every default letter template, by its name under `templates/`.\n\
         pub const EMBEDDED_TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for file in files {
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/templates/{name}\"))),"
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default())
        .join("embedded_templates.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("could not write {}: {e}", dest.display());
    }
}

/// The `.html` files under `dir`, depth first.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "html") {
            files.push(path);
        }
    }
}
