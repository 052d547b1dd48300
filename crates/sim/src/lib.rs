//! The simulated galaxy ("plant").
