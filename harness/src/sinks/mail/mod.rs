//! The mail sink (in progress).
