//! Prints the built-in rule set as the Markdown table of `docs/secrets.md`:
//! `cargo run -p tollgate-secrets --example rules_table`.

use tollgate_secrets::Scanner;

fn main() {
    println!("| id | category | severity | keywords | finds |");
    println!("|---|---|---|---|---|");
    for rule in Scanner::builtin().rules() {
        let keywords = if rule.keywords.is_empty() {
            "(file name)".to_string()
        } else {
            rule.keywords
                .iter()
                .map(|keyword| format!("`{keyword}`"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "| `{}` | {} | {} | {} | {} |",
            rule.id,
            rule.category,
            rule.severity,
            keywords.replace('|', "\\|"),
            rule.description.replace('|', "\\|")
        );
    }
}
