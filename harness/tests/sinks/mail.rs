//! The mail sink over real SMTP (to come).
