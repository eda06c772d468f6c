//! The pest grammar of the Tollgate policy language and the parser derived from it
