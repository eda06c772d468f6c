//! The policy-language sources shipped with Tollgate: the facts schema, builtin signatures and standard policies
