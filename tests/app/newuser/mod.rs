//! What a new user hits (issue 13): each file covers the items of one part of the fix.

mod agency;
mod assign;
mod offers;
mod rules_quiz;
mod visual;
