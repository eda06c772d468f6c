//! `--param NAME=VALUE` parsing against the declared type, with clear errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code asserts with unwrap and indexing; a failure is a test failure

use tollgate_bytecode::{Constant, Type};
use tollgate_vm::parse_param;

fn set_of(ty: Type) -> Type {
    Type::Set(Box::new(ty))
}

#[test]
fn scalars() {
    assert_eq!(parse_param(&Type::Int, " 42 "), Ok(Constant::Int(42)));
    assert_eq!(parse_param(&Type::Bool, "false"), Ok(Constant::Bool(false)));
    assert_eq!(parse_param(&Type::Float, "1.5"), Ok(Constant::Float(1.5)));
    assert_eq!(
        parse_param(&Type::String, "root"),
        Ok(Constant::String("root".to_string()))
    );
    assert_eq!(
        parse_param(&Type::Duration, "1h30m"),
        Ok(Constant::Duration(5_400))
    );
    assert_eq!(
        parse_param(&Type::Date, "2027-01-31"),
        Ok(Constant::Date("2027-01-31".to_string()))
    );
    assert_eq!(
        parse_param(&Type::Version, "1.2.3"),
        Ok(Constant::Version("1.2.3".to_string()))
    );
}

#[test]
fn severity_names_in_any_spelling() {
    let severity = Type::Enum("Severity".to_string());
    let critical = Constant::Enum {
        ty: "Severity".to_string(),
        variant: "Critical".to_string(),
    };
    for text in ["Critical", "critical", "Severity.Critical"] {
        assert_eq!(parse_param(&severity, text), Ok(critical.clone()), "{text}");
    }
    let fix = Type::Enum("FixState".to_string());
    assert_eq!(
        parse_param(&fix, "not-fixed"),
        Ok(Constant::Enum {
            ty: "FixState".to_string(),
            variant: "NotFixed".to_string()
        })
    );
    assert_eq!(
        parse_param(&severity, "severe"),
        Err("expected one of Unknown, Negligible, Low, Medium, High, Critical (a `Severity`), found `severe`".to_string())
    );
}

#[test]
fn collections_as_comma_lists_or_json() {
    let ports = set_of(Type::Int);
    let expected = Constant::Set(vec![Constant::Int(80), Constant::Int(443)]);
    assert_eq!(parse_param(&ports, "80,443"), Ok(expected.clone()));
    assert_eq!(parse_param(&ports, "[80, 443]"), Ok(expected));
    assert_eq!(parse_param(&ports, ""), Ok(Constant::Set(Vec::new())));
    let names = Type::List(Box::new(Type::String));
    assert_eq!(
        parse_param(&names, r#"["a,b", "c"]"#),
        Ok(Constant::List(vec![
            Constant::String("a,b".to_string()),
            Constant::String("c".to_string())
        ]))
    );
    let map = Type::Map(Box::new(Type::String), Box::new(Type::Int));
    assert_eq!(
        parse_param(&map, r#"{"a": 1}"#),
        Ok(Constant::Map(vec![(
            Constant::String("a".to_string()),
            Constant::Int(1)
        )]))
    );
}

#[test]
fn values_that_do_not_fit_say_what_was_expected() {
    assert_eq!(
        parse_param(&Type::Int, "eighty"),
        Err("expected an integer, found `eighty`".to_string())
    );
    assert_eq!(
        parse_param(&Type::Bool, "yes"),
        Err("expected `true` or `false`, found `yes`".to_string())
    );
    assert_eq!(
        parse_param(&set_of(Type::Int), "80,http"),
        Err("expected an integer, found `http`".to_string())
    );
    assert!(
        parse_param(&Type::Date, "2027-02-30")
            .unwrap_err()
            .starts_with("expected a date like `2027-01-31`")
    );
    assert!(
        parse_param(&Type::Duration, "soon")
            .unwrap_err()
            .starts_with("expected a duration like `30d`")
    );
    let optional = Type::Optional(Box::new(Type::Int));
    assert_eq!(parse_param(&optional, "none"), Ok(Constant::None));
    assert_eq!(parse_param(&optional, "3"), Ok(Constant::Int(3)));
}
