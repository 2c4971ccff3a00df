//! kbscan: maps sensitive content in a knowledge base and gates what an AI
//! retrieval index may ingest.
//!
//! Data flows one way: [`walk`] → [`extract`] → [`detect`] → [`label`] →
//! [`catalog`] → [`gate`] / [`report`]. A lower stage never imports a higher one;
//! only `cmd` wires them together.

pub mod detect;
pub mod extract;
