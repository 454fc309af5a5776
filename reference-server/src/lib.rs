//! temp
pub mod clock;
pub mod defects;
pub mod domain;
