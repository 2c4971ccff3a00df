//! Everything kbscan prints from the catalog: exports and the scan summary.

pub mod export;
pub mod summary;
