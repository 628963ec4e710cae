//! Tests for issue 13: visual.
