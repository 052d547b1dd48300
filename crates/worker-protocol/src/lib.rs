//! Worker pipe protocol.
