//! The multi-pattern detector: pure, no I/O, no knowledge of files or SQL.
//!
//! Built once from the rules and shared by all threads; each thread brings its
//! own [`Scratch`]. `scan` returns detections as byte spans of the text it was
//! given; the caller turns spans into locations and fingerprints.
