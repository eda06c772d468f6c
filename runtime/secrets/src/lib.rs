//! The secret scanner: built-in and policy-defined credential rules
