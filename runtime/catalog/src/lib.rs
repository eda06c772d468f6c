//! Package catalogers for every ecosystem
