//! Carrier commission statements and their reconciliation (issue 16, item 6): the pure part.
//!
//! A carrier sends a statement (CSV, or an Excel `.xlsx` workbook) of what it paid the agency for
//! a month. Its columns are mapped once per carrier (the map is remembered by header name, so the
//! next file with those headers, in any order, is read without asking); every line is read and
//! checked before anything is written, so a file with a bad line writes nothing and says which
//! lines are wrong. Each line is then matched to a policy of that carrier: by policy number first
//! (letters and digits only, in any case), then by the insured's name (word order, accents,
//! punctuation and initials aside) with their birth date, and only when exactly one policy fits.
//!
//! What reconciliation finds is a worklist of exceptions:
//! - `unmatched`: a line that matches no policy in the book;
//! - `not_paid`: a policy of the carrier that the ledger expected commission for in the
//!   statement's month, with no line in the statement and nothing received for it before;
//! - `short_paid`: a policy's lines for a month add up (with what earlier statements paid) to
//!   less than the ledger expected, by more than the `short_pay_tolerance_cents` rule;
//! - `other_agent`: a line naming a writing agent (by NPN, or by name) who is not the policy's.
//!
//! A line has at most one exception, the first of unmatched, other agent, short-paid; the
//! short-paid one sits on the first line of the policy's month. Each is resolved by a person
//! (link to a policy, accept the difference, dispute with a note); a finalised statement is
//! read-only. This file holds the rules (reading, parsing, matching, judging), tested below; the
//! writes are in [`service`], the pages in [`pages`] and the queries in
//! `commissions::model::statements`.

pub mod pages;
pub mod reading;
pub mod service;

use std::collections::HashMap;

use chrono::NaiveDate;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub use reading::{
    field_columns, guess_mapping, parse_all, parse_date, parse_line, parse_month, read_table, LineError, ParsedLine,
    Row, StatementMap, Table, FIELDS, MAX_LINES,
};

crate::domain::vocabulary! {
    /// Where a statement is in its life.
    pub enum StatementStatus {
        /// Read and matched: its exceptions are being worked.
        Matched => ("matched", "Open"),
        /// Closed: what it received is in the ledger and nothing about it changes any more.
        Finalised => ("finalised", "Finalised"),
    }
}

crate::domain::vocabulary! {
    /// What reconciliation found wrong with a line.
    pub enum Exception {
        Unmatched => ("unmatched", "Not in the book"),
        NotPaid => ("not_paid", "Expected but not paid"),
        ShortPaid => ("short_paid", "Short-paid"),
        OtherAgent => ("other_agent", "Paid to another agent"),
    }
}

crate::domain::vocabulary! {
    /// What a person decided about an exception.
    pub enum Resolution {
        Linked => ("linked", "Linked to a policy"),
        Accepted => ("accepted", "Difference accepted"),
        Disputed => ("disputed", "Disputed with the carrier"),
    }
}

crate::domain::vocabulary! {
    /// How a line was tied to its policy.
    pub enum MatchMethod {
        Number => ("number", "Policy number"),
        NameBirthDate => ("name_birth_date", "Name and birth date"),
        Linked => ("linked", "Linked by hand"),
    }
}

// ---- matching --------------------------------------------------------------------------------

/// A policy number as compared: its letters and digits, upper case ("ab-12 3" → "AB123").
pub fn number_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A person's name as compared: lower case, accents off, its words of two letters or more in
/// alphabetical order ("DELGADO, Rosa M." and "Rosa Delgado" are the same).
pub fn name_key(raw: &str) -> String {
    let folded: String = raw
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    let mut words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1)
        .collect();
    words.sort_unstable();
    words.join(" ")
}

/// A policy of the carrier, as matching reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookPolicy {
    pub id: i64,
    pub number: String,
    pub insured_name: String,
    pub birth_date: Option<NaiveDate>,
    pub agent_id: i64,
    pub agent_npn: Option<String>,
    pub agent_name: String,
}

/// The carrier's book, indexed for matching.
pub struct Index {
    pub policies: Vec<BookPolicy>,
    by_number: HashMap<String, Vec<usize>>,
    by_person: HashMap<(String, NaiveDate), Vec<usize>>,
    by_id: HashMap<i64, usize>,
}

impl Index {
    pub fn new(policies: Vec<BookPolicy>) -> Index {
        let mut by_number: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_person: HashMap<(String, NaiveDate), Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, p) in policies.iter().enumerate() {
            by_number.entry(number_key(&p.number)).or_default().push(i);
            if let Some(b) = p.birth_date {
                by_person.entry((name_key(&p.insured_name), b)).or_default().push(i);
            }
            by_id.insert(p.id, i);
        }
        Index {
            policies,
            by_number,
            by_person,
            by_id,
        }
    }

    pub fn by_id(&self, id: i64) -> Option<&BookPolicy> {
        self.by_id.get(&id).map(|i| &self.policies[*i])
    }

    /// The one policy a line is for, and how it was found: by its number, else by the insured's
    /// name and birth date; none when nothing or more than one policy fits.
    pub fn find(&self, line: &ParsedLine) -> Option<(usize, MatchMethod)> {
        let number = number_key(&line.policy_number);
        if !number.is_empty() {
            if let Some(hits) = self.by_number.get(&number) {
                match hits.as_slice() {
                    [one] => return Some((*one, MatchMethod::Number)),
                    // Two policies whose numbers differ only in punctuation: the name decides.
                    many => {
                        let name = name_key(&line.insured_name);
                        let fits: Vec<usize> = many
                            .iter()
                            .copied()
                            .filter(|i| !name.is_empty() && name_key(&self.policies[*i].insured_name) == name)
                            .collect();
                        if let [one] = fits.as_slice() {
                            return Some((*one, MatchMethod::Number));
                        }
                    }
                }
            }
        }
        let birth = line.birth_date?;
        let name = name_key(&line.insured_name);
        if name.is_empty() {
            return None;
        }
        match self.by_person.get(&(name, birth)).map(Vec::as_slice) {
            Some([one]) => Some((*one, MatchMethod::NameBirthDate)),
            _ => None,
        }
    }
}

/// Whether the agent a line names is the policy's writing agent: an NPN (digits) is compared
/// with the agent's NPN, anything else with the agent's name; a line naming no agent makes no
/// claim.
pub fn same_agent(stated: &str, policy: &BookPolicy) -> bool {
    let stated = stated.trim();
    if stated.is_empty() {
        return true;
    }
    let digits: String = stated.chars().filter(char::is_ascii_digit).collect();
    let looks_like_npn = !digits.is_empty() && stated.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if looks_like_npn {
        let theirs: String = policy
            .agent_npn
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        return theirs.trim_start_matches('0') == digits.trim_start_matches('0') && !theirs.is_empty();
    }
    name_key(stated) == name_key(&policy.agent_name)
}

/// Whether what was received for a policy's month falls short of what was expected, beyond the
/// tolerance. Nothing expected (or a chargeback) is never short.
pub fn is_short(expected_cents: i64, received_cents: i64, tolerance_cents: i64) -> bool {
    expected_cents > 0 && received_cents < expected_cents - tolerance_cents
}

/// The exception of a line matched to `policy`, paying `received` (with the policy's other
/// lines and earlier statements) against `expected` for its month: another agent first, then
/// short-paid.
pub fn judge(
    agent: &str,
    policy: &BookPolicy,
    expected: Option<i64>,
    received: i64,
    tolerance: i64,
) -> Option<Exception> {
    if !same_agent(agent, policy) {
        return Some(Exception::OtherAgent);
    }
    expected
        .filter(|e| is_short(*e, received, tolerance))
        .map(|_| Exception::ShortPaid)
}

/// A line after reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reconciled {
    /// The policy's index in the [`Index`].
    pub policy: Option<usize>,
    pub method: Option<MatchMethod>,
    /// What the ledger expected for the policy's month (on the first line of that month only).
    pub expected_cents: Option<i64>,
    pub exception: Option<Exception>,
}

/// The ledger's side of a reconciliation: per (policy id, month), what was expected (the computed
/// entries) and what earlier statements paid.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub expected: HashMap<(i64, NaiveDate), i64>,
    pub received_before: HashMap<(i64, NaiveDate), i64>,
}

/// Reconciles a statement's lines against the book and the ledger: each line's match and
/// exception, and the policies expected in `period` that nothing paid (index, expected cents),
/// by policy number.
pub fn reconcile(
    lines: &[ParsedLine],
    index: &Index,
    ledger: &Ledger,
    period: NaiveDate,
    tolerance: i64,
) -> (Vec<Reconciled>, Vec<(usize, i64)>) {
    let mut out: Vec<Reconciled> = Vec::with_capacity(lines.len());
    // Per (policy id, month): the first line and what the statement pays in all.
    let mut groups: HashMap<(i64, NaiveDate), (usize, i64)> = HashMap::new();
    let mut order: Vec<(i64, NaiveDate)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((p, method)) = index.find(line) else {
            out.push(Reconciled {
                exception: Some(Exception::Unmatched),
                ..Default::default()
            });
            continue;
        };
        let policy = &index.policies[p];
        let key = (policy.id, line.period);
        let g = groups.entry(key).or_insert_with(|| {
            order.push(key);
            (i, 0)
        });
        g.1 += line.amount_cents;
        out.push(Reconciled {
            policy: Some(p),
            method: Some(method),
            expected_cents: None,
            exception: (!same_agent(&line.agent, policy)).then_some(Exception::OtherAgent),
        });
    }
    for key in &order {
        let (first, paid) = groups[key];
        let expected = ledger.expected.get(key).copied().unwrap_or(0);
        let received = paid + ledger.received_before.get(key).copied().unwrap_or(0);
        let r = &mut out[first];
        r.expected_cents = Some(expected);
        if r.exception.is_none() && is_short(expected, received, tolerance) {
            r.exception = Some(Exception::ShortPaid);
        }
    }
    let mut not_paid: Vec<(usize, i64)> = ledger
        .expected
        .iter()
        .filter(|((id, month), cents)| {
            *month == period
                && **cents > 0
                && !groups.contains_key(&(*id, *month))
                && ledger.received_before.get(&(*id, *month)).copied().unwrap_or(0) == 0
        })
        .filter_map(|((id, _), cents)| index.by_id.get(id).map(|i| (*i, *cents)))
        .collect();
    not_paid.sort_by(|a, b| index.policies[a.0].number.cmp(&index.policies[b.0].number));
    (out, not_paid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn policy(id: i64, number: &str, name: &str, birth: Option<&str>, npn: &str) -> BookPolicy {
        BookPolicy {
            id,
            number: number.into(),
            insured_name: name.into(),
            birth_date: birth.map(d),
            agent_id: 1,
            agent_npn: Some(npn.into()),
            agent_name: "Wanda Writer".into(),
        }
    }

    fn line(n: u64, number: &str, name: &str, birth: Option<&str>, cents: i64, agent: &str) -> ParsedLine {
        ParsedLine {
            line: n,
            policy_number: number.into(),
            insured_name: name.into(),
            birth_date: birth.map(d),
            amount_cents: cents,
            period: d("2026-01-01"),
            kind: String::new(),
            agent: agent.into(),
        }
    }

    #[test]
    fn names_and_numbers_compare_on_what_matters() {
        assert_eq!(number_key(" al-10 01 "), "AL1001");
        assert_eq!(name_key("DELGADO, Rosa M."), name_key("Rosa Delgado"));
        assert_eq!(name_key("José Núñez"), name_key("JOSE NUNEZ"));
        assert_ne!(name_key("Rosa Delgado"), name_key("Rosa Delgada"));
    }

    #[test]
    fn a_line_is_matched_by_number_then_by_name_and_birth_date_and_only_when_one_fits() {
        let index = Index::new(vec![
            policy(10, "AL-1001", "Rosa Delgado", Some("1955-03-04"), "111"),
            policy(11, "AL-1002", "Ana Ruiz", Some("1950-01-01"), "111"),
            policy(12, "AL-1003", "Ana Ruiz", Some("1950-01-01"), "111"),
            policy(13, "AL-1004", "Tom Ng", Some("1960-05-05"), "111"),
        ]);
        let by_number = index.find(&line(2, "al1001", "", None, 1, "")).unwrap();
        assert_eq!((index.policies[by_number.0].id, by_number.1), (10, MatchMethod::Number));
        let by_name = index
            .find(&line(3, "WRONG-9", "NG, TOM", Some("1960-05-05"), 1, ""))
            .unwrap();
        assert_eq!(
            (index.policies[by_name.0].id, by_name.1),
            (13, MatchMethod::NameBirthDate)
        );
        // Two policies fit the person: no guess.
        assert!(index
            .find(&line(4, "", "Ana Ruiz", Some("1950-01-01"), 1, ""))
            .is_none());
        // The right name with another birth date is someone else.
        assert!(index.find(&line(5, "", "Tom Ng", Some("1961-05-05"), 1, "")).is_none());
    }

    #[test]
    fn the_agent_named_is_compared_by_npn_or_by_name() {
        let p = policy(1, "A", "X Y", None, "0012345");
        assert!(same_agent("", &p));
        assert!(same_agent("12345", &p));
        assert!(same_agent("Writer, Wanda", &p));
        assert!(!same_agent("99999", &p));
        assert!(!same_agent("Oscar Other", &p));
        let no_npn = BookPolicy {
            agent_npn: None,
            ..p.clone()
        };
        assert!(!same_agent("12345", &no_npn));
    }

    #[test]
    fn reconciliation_finds_each_kind_of_exception() {
        let index = Index::new(vec![
            policy(10, "P-10", "Rosa Delgado", Some("1955-03-04"), "111"),
            policy(11, "P-11", "Ana Ruiz", None, "111"),
            policy(12, "P-12", "Tom Ng", None, "111"),
            policy(13, "P-13", "Li Wei", None, "111"),
            policy(14, "P-14", "Sam Roe", None, "111"),
            policy(15, "P-15", "Kim Poe", None, "111"),
        ]);
        let jan = d("2026-01-01");
        let mut ledger = Ledger::default();
        for (id, cents) in [
            (10, 10_000),
            (11, 10_000),
            (12, 10_000),
            (13, 10_000),
            (14, 10_000),
            (15, 5_000),
        ] {
            ledger.expected.insert((id, jan), cents);
        }
        // P-15 was paid by an earlier statement.
        ledger.received_before.insert((15, jan), 5_000);
        let lines = vec![
            line(2, "P-10", "", None, 10_000, "111"),   // paid in full
            line(3, "P-11", "", None, 9_950, ""),       // short by 0.50: within the tolerance
            line(4, "P-12", "", None, 6_000, ""),       // short-paid
            line(5, "P-12", "", None, 1_000, ""),       // the same policy's second line
            line(6, "P-13", "", None, 10_000, "99999"), // another agent's NPN
            line(7, "NOPE", "Nobody", None, 500, ""),   // not in the book
        ];
        let (r, not_paid) = reconcile(&lines, &index, &ledger, jan, 100);
        let exceptions: Vec<Option<Exception>> = r.iter().map(|x| x.exception).collect();
        assert_eq!(
            exceptions,
            vec![
                None,
                None,
                Some(Exception::ShortPaid),
                None,
                Some(Exception::OtherAgent),
                Some(Exception::Unmatched)
            ]
        );
        assert_eq!(r[2].expected_cents, Some(10_000));
        assert_eq!(r[3].expected_cents, None);
        assert_eq!(r[5].policy, None);
        // P-14 was expected and nothing paid it; P-15 was paid before.
        assert_eq!(
            not_paid
                .iter()
                .map(|(i, c)| (index.policies[*i].id, *c))
                .collect::<Vec<_>>(),
            vec![(14, 10_000)]
        );
        assert!(!is_short(-500, 0, 100), "a chargeback month is never short");
        assert_eq!(
            judge("", &index.policies[2], Some(10_000), 7_000, 100),
            Some(Exception::ShortPaid)
        );
        assert_eq!(judge("", &index.policies[2], Some(10_000), 9_900, 100), None);
    }
}
