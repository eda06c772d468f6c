//! The Tollgate virtual machine: evaluates compiled programs over image facts
