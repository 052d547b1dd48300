//! Plant link.
