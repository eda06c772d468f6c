//! The vulnerability database: OSV import, the index file and matching
