//! `kbscan report`.

use crate::catalog::Catalog;
use crate::cli::{ReportArgs, ReportFormat};
use crate::report::html;
use anyhow::Result;
use std::io::Write;

pub fn run(args: ReportArgs) -> Result<i32> {
    let catalog = Catalog::open_ro(&args.catalog.catalog)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ReportFormat::Html => html::write(&catalog, &mut out)?,
    }
    out.flush()?;
    Ok(0)
}
