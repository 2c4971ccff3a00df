//! Everything kbscan prints from the catalog: exports and the scan summary.

pub mod changes;
pub mod export;
pub mod html;
pub mod sarif;
pub mod summary;
