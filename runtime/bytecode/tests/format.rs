//! The program format: a built program survives serialization, other versions and other
//! files are refused with a clear message, and the disassembler shows what the program does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// reason: test code asserts with unwrap and indexing; a failure is a test failure

use tollgate_bytecode::{
    Action, Binding, ChunkBuilder, Constant, FORMAT_VERSION, FormatError, JumpKind, MAGIC, Op,
    PatternKind, Program, Rule, Span,
};

/// `deny root_user for u in image.users where u.name matches r"^r" message u.name`, by hand.
fn sample() -> Program {
    let mut program = Program::default();
    let file = program.file("acme/prod.tg");
    let span = Span {
        file,
        start: 10,
        end: 20,
    };
    let users = program.field("Image", "users");
    let name = program.field("User", "name");
    let pattern = program.pattern(PatternKind::Regex, "^r", span);
    let mut builder = ChunkBuilder::new(1);
    builder.set_span(span);
    builder.emit(Op::Image);
    builder.emit(Op::Field(users));
    let iterator = builder.iterator();
    builder.emit(Op::Iter(iterator));
    let top = builder.label();
    let done = builder.label();
    builder.place(top);
    builder.next(iterator, 0, done);
    builder.emit(Op::Local(0));
    builder.emit(Op::Field(name));
    builder.emit(Op::Matches(pattern));
    builder.jump(JumpKind::IfFalse, top);
    builder.emit(Op::Local(0));
    builder.emit(Op::Field(name));
    builder.emit(Op::Emit);
    builder.jump(JumpKind::Always, top);
    builder.place(done);
    builder.emit(Op::Return);
    let chunk = builder.finish().unwrap();
    program.rules.push(Rule {
        name: "acme.prod.root_user".to_string(),
        action: Action::Deny,
        doc: "No root.".to_string(),
        id: Some("ACME-001".to_string()),
        remediation: None,
        tags: vec!["cis".to_string()],
        severity: None,
        attributes: Vec::new(),
        bindings: vec![Binding {
            name: "u".to_string(),
            slot: 0,
        }],
        chunk,
        span,
    });
    program.demand.categories.insert("users".to_string());
    program
}

#[test]
fn builder_patches_forward_jumps() {
    let program = sample();
    let code = &program.rules[0].chunk.code;
    assert_eq!(
        code[3],
        Op::Next {
            iter: 0,
            local: 0,
            end: 12
        }
    );
    assert_eq!(code[7], Op::JumpIfFalse(3));
    assert_eq!(code[11], Op::Jump(3));
    assert_eq!(code[12], Op::Return);
    assert_eq!(program.rules[0].chunk.spans.len(), code.len());
    assert_eq!(program.rules[0].chunk.iterators, 1);
}

#[test]
fn an_unplaced_label_is_an_error() {
    let mut builder = ChunkBuilder::new(0);
    let nowhere = builder.label();
    builder.jump(JumpKind::Always, nowhere);
    assert_eq!(builder.finish().unwrap_err().instruction, 0);
}

#[test]
fn tables_intern_their_entries() {
    let mut program = Program::default();
    let first = program.constant(Constant::String("root".to_string()));
    let again = program.constant(Constant::String("root".to_string()));
    let other = program.constant(Constant::Set(vec![Constant::Int(80), Constant::Int(443)]));
    assert_eq!((first, again, other), (0, 0, 1));
    assert_eq!(program.field("File", "path"), program.field("File", "path"));
    assert_ne!(
        program.field("File", "path"),
        program.field("Package", "path")
    );
    assert_eq!(program.builtin("lower"), 0);
    assert_eq!(program.builtin("upper"), 1);
    assert_eq!(program.builtin("lower"), 0);
}

#[test]
fn serialization_round_trips() {
    let program = sample();
    let bytes = program.to_bytes();
    assert!(bytes.starts_with(MAGIC));
    assert_eq!(bytes[8..12], FORMAT_VERSION.to_le_bytes());
    assert_eq!(Program::from_bytes(&bytes).unwrap(), program);
}

#[test]
fn other_versions_and_other_files_are_refused() {
    let mut bytes = sample().to_bytes();
    bytes[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Program::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(err, FormatError::Version { found, expected } if found == FORMAT_VERSION + 1 && expected == FORMAT_VERSION)
    );
    assert!(err.to_string().contains("rebuild the bundle"), "{err}");

    let err = Program::from_bytes(b"{\"rules\": []}").unwrap_err();
    assert_eq!(err.to_string(), "not a tollgate bytecode file (bad magic)");
    assert!(matches!(
        Program::from_bytes(&MAGIC[..4]).unwrap_err(),
        FormatError::NotBytecode
    ));

    let mut truncated = sample().to_bytes();
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(
        Program::from_bytes(&truncated).unwrap_err(),
        FormatError::Malformed(_)
    ));
}

#[test]
fn disassembly_names_operands_and_positions() {
    let listing = sample().disassemble();
    assert!(listing.contains("deny acme.prod.root_user"), "{listing}");
    assert!(listing.contains("@id(\"ACME-001\")"), "{listing}");
    assert!(listing.contains("bindings u=l0"), "{listing}");
    assert!(listing.contains("Image.users"), "{listing}");
    assert!(
        listing.contains("Matches(0)") && listing.contains("\"^r\""),
        "{listing}"
    );
    assert!(listing.contains("; acme/prod.tg@10..20"), "{listing}");
    assert!(
        listing.contains("demand categories={\"users\"}"),
        "{listing}"
    );
}
