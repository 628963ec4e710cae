//! Where documents' bytes live: a trait with the local data folder as its default (item 9).
