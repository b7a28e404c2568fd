//! `sqlx::migrate!` embeds the migration files at compile time, but cargo only notices edits to
//! files it already knows about; watching the directory makes a newly added migration rebuild
//! the crate instead of silently shipping without it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
