//! kbscan: maps sensitive content in a knowledge base and gates what an AI
//! retrieval index may ingest.
//!
//! Data flows one way: [`walk`] → [`extract`] → [`detect`] → [`label`] →
//! [`catalog`] → [`gate`] / [`report`]. A lower stage never imports a higher
//! one; only [`cmd`] wires them together.

pub mod catalog;
pub mod cli;
pub mod cmd;
pub mod detect;
pub mod extract;
pub mod gate;
pub mod label;
pub mod report;
pub mod walk;
