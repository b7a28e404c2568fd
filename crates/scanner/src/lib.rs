//! Market scanning: the seed's filters, keyword classification and the pre-research score.

pub mod filters;

pub use filters::ScanFilters;
