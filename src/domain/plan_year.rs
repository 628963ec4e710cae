//! The Medicare plan year: from the start of the Annual Enrollment Period agents sell next year's
//! plans. The AEP start is a setting (`AE_AEP_START`, CMS's October 15 by default), read by
//! `config` and used by agents' readiness and courses' recertification.

use chrono::{Datelike, NaiveDate};

/// When the Medicare plan year rolls over for certification purposes.
///
/// From the start of the Annual Enrollment Period (AEP, October 15 by default)
/// agents are selling next year's plans, so they need next year's AHIP
/// certification. See [`plan_year`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanYearRule {
    /// Month the AEP starts (1–12).
    pub aep_start_month: u32,
    /// Day of month the AEP starts (1–31).
    pub aep_start_day: u32,
}

impl Default for PlanYearRule {
    /// October 15, the federal AEP start.
    fn default() -> Self {
        Self {
            aep_start_month: 10,
            aep_start_day: 15,
        }
    }
}

/// The Medicare plan year that date `on` sells for.
///
/// `year(on) + 1` when `(month, day)` of `on` is on or after
/// `(aep_start_month, aep_start_day)`, otherwise `year(on)`.
/// With the default rule: 2026-10-14 → 2026, 2026-10-15 → 2027,
/// 2026-12-31 → 2027, 2027-01-01 → 2027.
///
/// The rule is compared as a `(month, day)` pair and is not validated: a rule
/// that names a day that does not exist in a given year (e.g. February 29)
/// takes effect on the first real day after it.
pub fn plan_year(on: NaiveDate, rule: &PlanYearRule) -> i32 {
    if (on.month(), on.day()) >= (rule.aep_start_month, rule.aep_start_day) {
        on.year() + 1
    } else {
        on.year()
    }
}
