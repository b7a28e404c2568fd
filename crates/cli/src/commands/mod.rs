//! One module per command.

pub mod book;
pub mod config;
pub mod demo;
pub mod fakex;
pub mod market;
pub mod scan;
