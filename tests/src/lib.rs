//! End-to-end tests of the tollgate binary
