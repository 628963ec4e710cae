//! The premium schedule of a term: one instalment per billing period from the effective date up to
//! the term end. The policy's premium is the modal premium (what each instalment is), so a term's
//! total is the premium times the number of instalments, exactly. Pure.

use chrono::{Months, NaiveDate};

use crate::domain::policy::BillingFrequency;

/// One instalment of a term's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    /// 1 for the first instalment of the term.
    pub seq: i32,
    pub due_on: NaiveDate,
    pub amount_cents: i64,
}

/// Most instalments a term may have (ten years of monthly billing): a guard against a mistyped
/// term end making a schedule of thousands of rows.
pub const MAX_INSTALMENTS: usize = 120;

/// The instalments of a term: due on the effective date and every `frequency` months after it
/// (the same day of the month, or the month's last day when it is shorter), while the due date is
/// before the term end. A term that ends on or before it starts has no instalments.
pub fn instalments(
    effective_on: NaiveDate,
    term_end_on: NaiveDate,
    frequency: BillingFrequency,
    premium_cents: i64,
) -> Vec<Instalment> {
    let mut out = Vec::new();
    let step = frequency.months();
    for k in 0..MAX_INSTALMENTS as u32 {
        let Some(due_on) = effective_on.checked_add_months(Months::new(k * step)) else {
            break;
        };
        if due_on >= term_end_on {
            break;
        }
        out.push(Instalment {
            seq: k as i32 + 1,
            due_on,
            amount_cents: premium_cents,
        });
    }
    out
}

/// How many instalments a term has (for validation messages before a schedule is written).
pub fn count(effective_on: NaiveDate, term_end_on: NaiveDate, frequency: BillingFrequency) -> usize {
    instalments(effective_on, term_end_on, frequency, 0).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_year_has_12_4_2_or_1_instalments_and_the_total_is_exact() {
        for (f, n) in [
            (BillingFrequency::Monthly, 12),
            (BillingFrequency::Quarterly, 4),
            (BillingFrequency::SemiAnnual, 2),
            (BillingFrequency::Annual, 1),
        ] {
            let s = instalments(d("2026-01-01"), d("2027-01-01"), f, 12_345);
            assert_eq!(s.len(), n, "{f:?}");
            assert_eq!(s.iter().map(|i| i.amount_cents).sum::<i64>(), 12_345 * n as i64);
            assert_eq!(s[0].due_on, d("2026-01-01"));
            assert_eq!(s.last().unwrap().seq, n as i32);
        }
    }

    #[test]
    fn due_dates_keep_the_day_of_the_month_or_the_last_day_of_a_shorter_month() {
        let s = instalments(d("2026-01-31"), d("2026-06-01"), BillingFrequency::Monthly, 100);
        let due: Vec<String> = s.iter().map(|i| i.due_on.to_string()).collect();
        assert_eq!(
            due,
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
        );
    }

    #[test]
    fn an_empty_or_backwards_term_has_no_instalments_and_long_ones_are_capped() {
        assert!(instalments(d("2026-01-01"), d("2026-01-01"), BillingFrequency::Monthly, 1).is_empty());
        assert!(instalments(d("2026-01-01"), d("2025-01-01"), BillingFrequency::Annual, 1).is_empty());
        assert_eq!(
            count(d("2026-01-01"), d("2126-01-01"), BillingFrequency::Monthly),
            MAX_INSTALMENTS
        );
    }
}
