//! The pest-derived parser, alone in its module because the generated `Rule` enum would collide
//! with other names.

/// The parser generated from `tollgate.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../tollgate.pest"]
pub(crate) struct TollgateParser;
