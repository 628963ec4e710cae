//! Tests for issue 13: assign.
