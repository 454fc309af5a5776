//! A small SMTP client (to come).
