//! Probe: prints the grammar's raw error for a snippet (development aid).
fn main() {
    let text = std::env::args().nth(1).unwrap_or_default();
    match tollgate_grammar::parse(tollgate_grammar::Entry::File, &text) {
        Ok(tree) => println!("{:#?}", tree.root),
        Err(e) => println!("{e:#?}"),
    }
}
