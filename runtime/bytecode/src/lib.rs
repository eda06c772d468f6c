//! The Tollgate bytecode format: instructions, constant pool, program serialization and disassembly
