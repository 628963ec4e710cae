//! Tests for issue 13: agency.
