//! The security regression suite: each probe that once got through is a test here.

mod access;
mod csv;
mod input;
