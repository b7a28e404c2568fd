//! One module per command.

pub mod book;
pub mod config;
pub mod costs;
pub mod decisions;
pub mod demo;
pub mod engine;
pub mod fakex;
pub mod forecast;
pub mod market;
pub mod portfolio;
pub mod replay;
pub mod risk;
pub mod scan;
pub mod traders;
pub mod trading;
pub mod whales;
