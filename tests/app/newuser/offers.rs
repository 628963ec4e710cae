//! Tests for issue 13: offers.
