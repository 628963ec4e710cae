//! What a policy's commission is, piece by piece (item 1, 2): a schedule's rate for each policy
//! year, paid as earned or advanced, capped by the CMS limit for Medicare, and cut back to what
//! was earned when the policy ends early (a negative piece: the chargeback). Pure.
//!
//! A *piece* is the gross commission (before splits and overrides) that falls due on one date.
//! The ledger books the running total of pieces; a later run that finds the total lower (the
//! policy ended, the premium went down) books the difference as a chargeback, never an edit.

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::commission::{PayMode, RateBasis};

/// A renewal band: from this policy year on (2 or more), this rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Band {
    pub from_year: i32,
    pub rate: i64,
}

/// A schedule's terms: the basis of its rates, the first-year rate, the renewal bands, and how
/// the carrier pays. Rates are basis points for a percent (1,250 = 12.5 %) and cents per policy
/// year for a flat amount or an amount per life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    pub basis: RateBasis,
    pub first_year: i64,
    /// Sorted by `from_year`; a year before the first band earns nothing after the first year.
    pub renewal: Vec<Band>,
    pub pay_mode: PayMode,
    /// Advanced: how many months of each policy year are paid with its first instalment.
    pub advance_months: u32,
}

impl Rate {
    /// The rate for policy year `year` (1 is the first year).
    pub fn for_year(&self, year: i32) -> i64 {
        if year <= 1 {
            return self.first_year;
        }
        self.renewal
            .iter()
            .rev()
            .find(|b| b.from_year <= year)
            .map(|b| b.rate)
            .unwrap_or(0)
    }
}

/// Checks a schedule's terms as typed: rates not negative, percents at most 100 %, renewal bands
/// from year 2 in increasing order, an advance of 1 to 12 months. Returns each problem.
pub fn validate(rate: &Rate) -> Vec<String> {
    let mut problems = Vec::new();
    let max = match rate.basis {
        RateBasis::Percent => 10_000,
        _ => 100_000_000,
    };
    let all = std::iter::once(rate.first_year).chain(rate.renewal.iter().map(|b| b.rate));
    if all.clone().any(|r| r < 0) {
        problems.push("A rate cannot be negative.".to_string());
    }
    if all.clone().any(|r| r > max) {
        problems.push(match rate.basis {
            RateBasis::Percent => "A percent rate is at most 100 %.".to_string(),
            _ => "An amount is at most $1,000,000.00.".to_string(),
        });
    }
    let mut last = 1;
    for b in &rate.renewal {
        if b.from_year <= last {
            problems.push(format!(
                "Renewal bands start at policy year 2 and each starts after the one before (year {} is out of order).",
                b.from_year
            ));
            break;
        }
        last = b.from_year;
    }
    if rate.pay_mode == PayMode::Advance && !(1..=12).contains(&rate.advance_months) {
        problems.push("An advance is of 1 to 12 months.".to_string());
    }
    problems
}

/// One instalment of a term, as the policies domain keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    /// 1 for the term's first instalment.
    pub seq: i32,
    pub due_on: NaiveDate,
    pub amount_cents: i64,
}

/// A term of a policy, as commissions see it.
#[derive(Debug, Clone)]
pub struct Term<'a> {
    /// Months between the first term's effective date and this term's (0 for a first term): the
    /// policy year counts from the first term.
    pub months_before: u32,
    pub effective_on: NaiveDate,
    /// The first day the policy was no longer in force, when it ended before its term end
    /// (cancelled or lapsed).
    pub ended_on: Option<NaiveDate>,
    /// The whole commission is taken back (a Medicare member who left within the first months).
    pub rapid_disenrollment: bool,
    pub lives: i32,
    /// Months between instalments.
    pub frequency_months: u32,
    pub instalments: &'a [Instalment],
}

/// One piece of gross commission: falling due on `on`, for policy year `policy_year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub on: NaiveDate,
    pub policy_year: i32,
    pub cents: i64,
}

/// `amount × bps / 10,000`, rounded half away from zero, in integers.
pub fn percent_of(amount: i64, bps: i64) -> i64 {
    let p = amount as i128 * bps as i128;
    let q = (p.abs() + 5_000) / 10_000;
    (if p < 0 { -q } else { q }) as i64
}

/// `total × part / whole`, rounded down: the running share that makes a total's parts add up to
/// it exactly when taken as differences.
fn share(total: i64, part: i64, whole: i64) -> i64 {
    if whole == 0 {
        return 0;
    }
    (total as i128 * part as i128).div_euclid(whole as i128) as i64
}

/// The commission pieces of a term, in date order: each instalment's commission by the rate for
/// its policy year (capped by `cap(policy_year)`, the yearly limit when one applies), re-timed
/// when advanced, then the chargeback when the term ended early. Their sum is what the term has
/// earned once it is over.
pub fn pieces(rate: &Rate, term: &Term<'_>, cap: &dyn Fn(i32) -> Option<i64>) -> Vec<Piece> {
    struct Slot {
        on: NaiveDate,
        year: i32,
        /// Months of the policy year this instalment covers: [from, to).
        from: u32,
        to: u32,
        cents: i64,
    }
    let step = term.frequency_months.clamp(1, 12);
    let mut slots: Vec<Slot> = Vec::new();
    for inst in term.instalments {
        let offset = term.months_before + (inst.seq.max(1) as u32 - 1) * step;
        let year = (offset / 12) as i32 + 1;
        let from = offset % 12;
        let to = (from + step).min(12);
        let r = rate.for_year(year);
        let cents = match rate.basis {
            RateBasis::Percent => percent_of(inst.amount_cents, r),
            RateBasis::Flat => share(r, to as i64, 12) - share(r, from as i64, 12),
            RateBasis::PerLife => {
                let y = r * term.lives.max(0) as i64;
                share(y, to as i64, 12) - share(y, from as i64, 12)
            }
        };
        slots.push(Slot {
            on: inst.due_on,
            year,
            from,
            to,
            cents,
        });
    }
    slots.sort_by_key(|s| (s.on, s.from));

    // The yearly limit: the running total of a policy year never passes it.
    let mut year_total: Vec<(i32, i64)> = Vec::new();
    for s in slots.iter_mut() {
        let Some(limit) = cap(s.year) else { continue };
        let idx = match year_total.iter().position(|(y, _)| *y == s.year) {
            Some(i) => i,
            None => {
                year_total.push((s.year, 0));
                year_total.len() - 1
            }
        };
        let room = (limit - year_total[idx].1).max(0);
        s.cents = s.cents.min(room);
        year_total[idx].1 += s.cents;
    }

    // What each instalment earned by the end, when the term ended early: its commission times the
    // part of its months (by days) the policy was in force.
    let earned_by_end: i64 = match term.ended_on {
        _ if term.rapid_disenrollment => 0,
        Some(end) => slots
            .iter()
            .map(|s| {
                let start = s.on;
                let stop = start.checked_add_months(Months::new(s.to - s.from)).unwrap_or(start);
                if end >= stop {
                    s.cents
                } else if end <= start {
                    0
                } else {
                    share(s.cents, (end - start).num_days(), (stop - start).num_days())
                }
            })
            .sum(),
        None => slots.iter().map(|s| s.cents).sum(),
    };

    // Advanced: the instalments that start within a year's first N months are paid with the
    // year's first instalment in this term.
    let mut out: Vec<Piece> = Vec::new();
    if rate.pay_mode == PayMode::Advance {
        let n = rate.advance_months.clamp(1, 12);
        let mut i = 0;
        while i < slots.len() {
            let year = slots[i].year;
            let first = i;
            let mut advanced = 0;
            while i < slots.len() && slots[i].year == year && slots[i].from < n {
                advanced += slots[i].cents;
                i += 1;
            }
            if i > first {
                out.push(Piece {
                    on: slots[first].on,
                    policy_year: year,
                    cents: advanced,
                });
            }
            while i < slots.len() && slots[i].year == year {
                out.push(Piece {
                    on: slots[i].on,
                    policy_year: year,
                    cents: slots[i].cents,
                });
                i += 1;
            }
        }
    } else {
        out.extend(slots.iter().map(|s| Piece {
            on: s.on,
            policy_year: s.year,
            cents: s.cents,
        }));
    }

    // Ended early: what falls due after the end is not paid, and what was paid beyond what was
    // earned comes back as one negative piece on the end date.
    if let Some(end) = term.ended_on.or(if term.rapid_disenrollment {
        Some(term.effective_on)
    } else {
        None
    }) {
        out.retain(|p| p.on < end);
        let paid: i64 = out.iter().map(|p| p.cents).sum();
        if paid > earned_by_end {
            out.push(Piece {
                on: end,
                policy_year: out.last().map(|p| p.policy_year).unwrap_or(1),
                cents: earned_by_end - paid,
            });
        }
    }
    out.retain(|p| p.cents != 0);
    out
}

/// Whole months from `from` to `to`, where a day past the end of a shorter month counts as that
/// month's last day (31 January to 28 February is one month).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let last_of_month = to
        .checked_add_days(chrono::Days::new(1))
        .is_some_and(|d| d.month() != to.month());
    if to.day() < from.day() && !last_of_month {
        months -= 1;
    }
    months.max(0) as u32
}

/// Whether a member left within the first `months` months of the effective date (CMS's rapid
/// disenrollment: the whole commission is charged back).
pub fn rapid_disenrollment(effective_on: NaiveDate, ended_on: NaiveDate, months: u32) -> bool {
    effective_on
        .checked_add_months(Months::new(months))
        .is_some_and(|limit| ended_on < limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn monthly(effective: &str, n: i32, cents: i64) -> Vec<Instalment> {
        let start = d(effective);
        (0..n)
            .map(|k| Instalment {
                seq: k + 1,
                due_on: start.checked_add_months(Months::new(k as u32)).unwrap(),
                amount_cents: cents,
            })
            .collect()
    }

    fn term<'a>(effective: &str, inst: &'a [Instalment], step: u32) -> Term<'a> {
        Term {
            months_before: 0,
            effective_on: d(effective),
            ended_on: None,
            rapid_disenrollment: false,
            lives: 1,
            frequency_months: step,
            instalments: inst,
        }
    }

    fn rate(basis: RateBasis, first: i64) -> Rate {
        Rate {
            basis,
            first_year: first,
            renewal: vec![],
            pay_mode: PayMode::AsEarned,
            advance_months: 0,
        }
    }

    fn no_cap(_: i32) -> Option<i64> {
        None
    }

    fn total(p: &[Piece]) -> i64 {
        p.iter().map(|p| p.cents).sum()
    }

    #[test]
    fn a_percent_of_each_instalment() {
        let inst = monthly("2026-01-01", 12, 10_000);
        let p = pieces(&rate(RateBasis::Percent, 2_000), &term("2026-01-01", &inst, 1), &no_cap);
        assert_eq!(p.len(), 12);
        assert!(p.iter().all(|p| p.cents == 2_000));
        assert_eq!(percent_of(333, 1_250), 42, "41.625 rounds to 42");
        assert_eq!(percent_of(-333, 1_250), -42);
    }

    #[test]
    fn a_flat_amount_spread_over_the_instalments_adds_up_exactly() {
        let inst = monthly("2026-01-01", 12, 10_000);
        let p = pieces(&rate(RateBasis::Flat, 10_000), &term("2026-01-01", &inst, 1), &no_cap);
        assert_eq!(total(&p), 10_000, "a year's $100 in twelve parts, not 12 × 833");
        assert!(p.iter().all(|p| p.cents == 833 || p.cents == 834));
    }

    #[test]
    fn an_amount_per_life_counts_the_lives() {
        let inst = [Instalment {
            seq: 1,
            due_on: d("2026-03-01"),
            amount_cents: 50_000,
        }];
        let mut t = term("2026-03-01", &inst, 12);
        t.lives = 3;
        let p = pieces(&rate(RateBasis::PerLife, 2_500), &t, &no_cap);
        assert_eq!(total(&p), 7_500);
    }

    #[test]
    fn renewal_years_take_their_band() {
        let mut r = rate(RateBasis::Percent, 2_000);
        r.renewal = vec![
            Band {
                from_year: 2,
                rate: 500,
            },
            Band {
                from_year: 5,
                rate: 200,
            },
        ];
        assert_eq!(
            (r.for_year(1), r.for_year(2), r.for_year(4), r.for_year(9)),
            (2_000, 500, 500, 200)
        );
        // The second term of a policy counts from the first term: year 2.
        let inst = monthly("2027-01-01", 12, 10_000);
        let mut t = term("2027-01-01", &inst, 1);
        t.months_before = 12;
        let p = pieces(&r, &t, &no_cap);
        assert!(p.iter().all(|p| p.policy_year == 2 && p.cents == 500));
        let none = Rate {
            renewal: vec![],
            ..r.clone()
        };
        assert_eq!(none.for_year(3), 0, "no band: nothing after the first year");
    }

    #[test]
    fn an_advance_pays_the_first_months_at_once_and_the_rest_as_earned() {
        let inst = monthly("2026-01-01", 12, 10_000);
        let mut r = rate(RateBasis::Percent, 1_000);
        r.pay_mode = PayMode::Advance;
        r.advance_months = 9;
        let p = pieces(&r, &term("2026-01-01", &inst, 1), &no_cap);
        assert_eq!(
            p[0],
            Piece {
                on: d("2026-01-01"),
                policy_year: 1,
                cents: 9_000
            }
        );
        assert_eq!(p.len(), 4, "the advance, then months 10 to 12");
        assert_eq!(total(&p), 12_000);
    }

    #[test]
    fn an_advanced_policy_ending_early_charges_back_the_unearned_part() {
        let inst = monthly("2026-01-01", 12, 10_000);
        let mut r = rate(RateBasis::Percent, 1_000);
        r.pay_mode = PayMode::Advance;
        r.advance_months = 12;
        let mut t = term("2026-01-01", &inst, 1);
        t.ended_on = Some(d("2026-04-01"));
        let p = pieces(&r, &t, &no_cap);
        assert_eq!(p[0].cents, 12_000);
        let back = p.last().unwrap();
        assert_eq!(
            (back.on, back.cents),
            (d("2026-04-01"), -9_000),
            "three months earned of twelve"
        );
        assert_eq!(total(&p), 3_000);
    }

    #[test]
    fn an_annual_premium_cancelled_mid_year_earns_by_the_day() {
        let inst = [Instalment {
            seq: 1,
            due_on: d("2026-01-01"),
            amount_cents: 120_000,
        }];
        let mut t = term("2026-01-01", &inst, 12);
        t.ended_on = Some(d("2026-07-02"));
        let p = pieces(&rate(RateBasis::Percent, 1_000), &t, &no_cap);
        assert_eq!(p[0].cents, 12_000);
        assert!(p[1].cents < 0, "a chargeback is negative");
        assert_eq!(total(&p), 12_000 * 182 / 365);
    }

    #[test]
    fn rapid_disenrollment_takes_everything_back() {
        assert!(rapid_disenrollment(d("2026-01-01"), d("2026-03-31"), 3));
        assert!(!rapid_disenrollment(d("2026-01-01"), d("2026-04-01"), 3));
        let inst = monthly("2026-01-01", 12, 10_000);
        let mut t = term("2026-01-01", &inst, 1);
        t.ended_on = Some(d("2026-03-15"));
        t.rapid_disenrollment = true;
        let p = pieces(&rate(RateBasis::Flat, 60_000), &t, &no_cap);
        assert_eq!(total(&p), 0);
        assert!(p.last().unwrap().cents < 0);
    }

    #[test]
    fn the_yearly_limit_caps_the_running_total() {
        let inst = monthly("2026-01-01", 12, 10_000);
        // 60 % of $100 a month is $720 a year; the limit is $694.
        let cap = |y: i32| (y == 1).then_some(69_400);
        let p = pieces(&rate(RateBasis::Percent, 6_000), &term("2026-01-01", &inst, 1), &cap);
        assert_eq!(total(&p), 69_400);
        assert_eq!(
            p.last().unwrap().cents,
            3_400,
            "the twelfth month gets what is left under the limit"
        );
        let flat = pieces(&rate(RateBasis::Flat, 90_000), &term("2026-01-01", &inst, 1), &cap);
        assert_eq!(total(&flat), 69_400);
    }

    #[test]
    fn months_between_counts_short_months_whole() {
        assert_eq!(months_between(d("2026-01-31"), d("2026-02-28")), 1);
        assert_eq!(months_between(d("2026-01-15"), d("2026-02-14")), 0);
        assert_eq!(months_between(d("2026-01-01"), d("2027-01-01")), 12);
    }

    #[test]
    fn schedules_are_checked() {
        let mut r = rate(RateBasis::Percent, 12_000);
        r.renewal = vec![Band {
            from_year: 1,
            rate: 100,
        }];
        r.pay_mode = PayMode::Advance;
        let problems = validate(&r);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(validate(&rate(RateBasis::Flat, 50_000)).is_empty());
    }
}
