//! The CMS compensation limits as data (item 2): which products they cover, whether a sale earns
//! the initial or the renewal amount, which region's row applies, and the yearly cap a computed
//! commission never passes. The figures themselves are rows of `cms_limits`, shipped with the 2026
//! values and edited by the owner with their source. Pure.

use crate::domain::commission::CmsProduct;
use crate::domain::policy::EnrollmentType;
use crate::domain::ProductLine;

/// The region of a limit that applies where no state has its own.
pub const NATIONAL: &str = "national";

/// One row of the limits table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub year: i32,
    pub product: CmsProduct,
    /// [`NATIONAL`] or a state code.
    pub region: String,
    pub initial_cents: i64,
    pub renewal_cents: i64,
    /// The most a referral may be paid for one enrollment (on the national rows).
    pub referral_cents: Option<i64>,
}

/// The CMS product of a product line, when CMS limits its compensation (Medicare Supplement is
/// not: its commissions follow the carrier's schedule).
pub fn product_of(line: ProductLine) -> Option<CmsProduct> {
    match line {
        ProductLine::MedicareAdvantage => Some(CmsProduct::MedicareAdvantage),
        ProductLine::PartD => Some(CmsProduct::PartD),
        _ => None,
    }
}

/// Whether a policy year earns the initial amount: the first year of a new enrollment or of a
/// plan change to an unlike plan type; a like-for-like change, and every later year, earn the
/// renewal amount.
pub fn is_initial(enrollment: Option<EnrollmentType>, policy_year: i32) -> bool {
    policy_year <= 1 && !matches!(enrollment, Some(EnrollmentType::LikeForLike))
}

/// The row for a year, product and the insured's state: the state's own, else the national one.
pub fn limit_for<'a>(limits: &'a [Limit], year: i32, product: CmsProduct, state: &str) -> Option<&'a Limit> {
    let of = |region: &str| {
        limits
            .iter()
            .find(|l| l.year == year && l.product == product && l.region.eq_ignore_ascii_case(region))
    };
    of(state).or_else(|| of(NATIONAL))
}

/// The most a policy year's commission may be (`None`: no limit for this product).
pub fn yearly_cap(
    limits: &[Limit],
    line: ProductLine,
    plan_year: i32,
    state: &str,
    enrollment: Option<EnrollmentType>,
    policy_year: i32,
) -> Option<i64> {
    let product = product_of(line)?;
    let limit = limit_for(limits, plan_year, product, state)?;
    Some(if is_initial(enrollment, policy_year) {
        limit.initial_cents
    } else {
        limit.renewal_cents
    })
}

/// The most a referral may be paid for an enrollment of this product in this plan year.
pub fn referral_cap(limits: &[Limit], line: ProductLine, plan_year: i32) -> Option<i64> {
    let product = product_of(line)?;
    limit_for(limits, plan_year, product, NATIONAL)?.referral_cents
}

/// Checks a row as the owner typed it: amounts not negative and the renewal amount at most the
/// initial one (CMS sets renewal at half of initial).
pub fn validate(l: &Limit) -> Vec<String> {
    let mut problems = Vec::new();
    if !(2006..=2100).contains(&l.year) {
        problems.push("Give the plan year (e.g. 2027).".to_string());
    }
    if l.initial_cents < 0 || l.renewal_cents < 0 || l.referral_cents.is_some_and(|c| c < 0) {
        problems.push("An amount cannot be negative.".to_string());
    }
    if l.renewal_cents > l.initial_cents {
        problems.push("The renewal amount is at most the initial amount (CMS sets it at half).".to_string());
    }
    if l.region != NATIONAL && crate::domain::parse_state(&l.region).is_err() {
        problems.push("The region is national or a state's two-letter code.".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Vec<Limit> {
        let row = |product, region: &str, initial, renewal, referral| Limit {
            year: 2026,
            product,
            region: region.to_string(),
            initial_cents: initial,
            renewal_cents: renewal,
            referral_cents: referral,
        };
        vec![
            row(CmsProduct::MedicareAdvantage, NATIONAL, 69_400, 34_700, Some(10_000)),
            row(CmsProduct::MedicareAdvantage, "CA", 86_400, 43_200, None),
            row(CmsProduct::PartD, NATIONAL, 11_400, 5_700, Some(2_500)),
        ]
    }

    #[test]
    fn the_enrollment_type_decides_initial_or_renewal() {
        assert!(is_initial(Some(EnrollmentType::NewToMedicare), 1));
        assert!(is_initial(Some(EnrollmentType::Unlike), 1));
        assert!(!is_initial(Some(EnrollmentType::LikeForLike), 1));
        assert!(!is_initial(Some(EnrollmentType::NewToMedicare), 2), "later years renew");
    }

    #[test]
    fn a_state_with_its_own_limit_takes_it_and_the_rest_take_the_national_one() {
        let l = limits();
        let cap = |state, kind| yearly_cap(&l, ProductLine::MedicareAdvantage, 2026, state, Some(kind), 1);
        assert_eq!(cap("CA", EnrollmentType::NewToMedicare), Some(86_400));
        assert_eq!(cap("CA", EnrollmentType::LikeForLike), Some(43_200));
        assert_eq!(cap("FL", EnrollmentType::Unlike), Some(69_400));
        assert_eq!(cap("FL", EnrollmentType::LikeForLike), Some(34_700));
        assert_eq!(
            yearly_cap(
                &l,
                ProductLine::PartD,
                2026,
                "CA",
                Some(EnrollmentType::NewToMedicare),
                1
            ),
            Some(11_400)
        );
        assert_eq!(
            yearly_cap(&l, ProductLine::MedicareSupplement, 2026, "FL", None, 1),
            None
        );
        assert_eq!(
            yearly_cap(&l, ProductLine::MedicareAdvantage, 2031, "FL", None, 1),
            None,
            "no row for the year"
        );
        assert_eq!(referral_cap(&l, ProductLine::PartD, 2026), Some(2_500));
    }

    #[test]
    fn a_row_is_checked() {
        let mut l = limits()[0].clone();
        l.renewal_cents = 70_000;
        l.region = "XX".into();
        assert_eq!(validate(&l).len(), 2);
    }
}
