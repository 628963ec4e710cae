//! Product lines: what is sold to a lead. Stored as its snake_case key in text columns, which read
//! straight into [`ProductLine`] (see [`crate::domain::text_column`]).

use std::str::FromStr;

// ---------------------------------------------------------------------------
// Product lines
// ---------------------------------------------------------------------------

/// What is being sold to the lead.
///
/// The product line decides which line of authority the agent's licence must
/// carry (see `agents::readiness::required_authority`) and whether an AHIP
/// certification is needed too (see [`ProductLine::is_medicare`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum ProductLine {
    /// Medicare Advantage (Part C). Needs health authority and AHIP.
    MedicareAdvantage,
    /// Medicare Supplement (Medigap). Needs health authority and AHIP.
    MedicareSupplement,
    /// Medicare Part D prescription drug plans. Needs health authority and AHIP.
    PartD,
    /// ACA / individual health. Needs health authority.
    AcaHealth,
    /// Life insurance. Needs life authority.
    Life,
    /// Final expense (burial) life insurance. Needs life authority.
    FinalExpense,
    /// Dental & vision. Needs health authority.
    DentalVision,
    /// Personal auto. Needs property and casualty authority.
    Auto,
    /// Homeowners. Needs property and casualty authority.
    Home,
    /// Commercial lines. Needs property and casualty authority.
    Commercial,
    /// Anything else. Needs any valid licence in the state.
    Other,
}

impl ProductLine {
    /// Every product line, in display order.
    pub const ALL: [Self; 11] = [
        Self::MedicareAdvantage,
        Self::MedicareSupplement,
        Self::PartD,
        Self::AcaHealth,
        Self::Life,
        Self::FinalExpense,
        Self::DentalVision,
        Self::Auto,
        Self::Home,
        Self::Commercial,
        Self::Other,
    ];

    /// Stable snake_case key, used in the database, URLs and forms
    /// (e.g. `"medicare_advantage"`). [`FromStr`] accepts exactly these keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MedicareAdvantage => "medicare_advantage",
            Self::MedicareSupplement => "medicare_supplement",
            Self::PartD => "part_d",
            Self::AcaHealth => "aca_health",
            Self::Life => "life",
            Self::FinalExpense => "final_expense",
            Self::DentalVision => "dental_vision",
            Self::Auto => "auto",
            Self::Home => "home",
            Self::Commercial => "commercial",
            Self::Other => "other",
        }
    }

    /// Human-readable name for screens (e.g. `"Medicare Advantage"`).
    pub fn label(self) -> &'static str {
        match self {
            Self::MedicareAdvantage => "Medicare Advantage",
            Self::MedicareSupplement => "Medicare Supplement",
            Self::PartD => "Part D",
            Self::AcaHealth => "ACA health",
            Self::Life => "Life",
            Self::FinalExpense => "Final expense",
            Self::DentalVision => "Dental & vision",
            Self::Auto => "Auto",
            Self::Home => "Home",
            Self::Commercial => "Commercial",
            Self::Other => "Other",
        }
    }

    /// `true` for the Medicare products (Medicare Advantage, Medicare
    /// Supplement, Part D). These additionally need an AHIP certification for
    /// the current plan year.
    pub fn is_medicare(self) -> bool {
        matches!(self, Self::MedicareAdvantage | Self::MedicareSupplement | Self::PartD)
    }
}

impl FromStr for ProductLine {
    type Err = String;

    /// Parses a key as produced by [`ProductLine::as_str`], ignoring case and
    /// surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                format!(
                    "Unknown product line {s:?}; expected one of: {}.",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

crate::domain::text_column!(ProductLine);

/// In JSON a product line is its key (`"medicare_advantage"`).
impl serde::Serialize for ProductLine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for ProductLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_line_from_str_round_trip_ok() {
        for p in ProductLine::ALL {
            assert_eq!(p.as_str().parse::<ProductLine>(), Ok(p));
            assert_eq!(
                format!("  {}\t", p.as_str().to_uppercase()).parse::<ProductLine>(),
                Ok(p)
            );
        }
        let medicare: Vec<_> = ProductLine::ALL.into_iter().filter(|p| p.is_medicare()).collect();
        assert_eq!(
            medicare,
            [
                ProductLine::MedicareAdvantage,
                ProductLine::MedicareSupplement,
                ProductLine::PartD
            ]
        );
    }

    #[test]
    fn junk_from_str_rejected() {
        for junk in ["", "  ", "medicare", "Medicare Advantage", "part-d", "lifee"] {
            let err = junk.parse::<ProductLine>().expect_err(junk);
            assert!(err.contains("medicare_advantage"), "unhelpful error: {err}");
        }
    }

    #[test]
    fn labels_and_keys_unique_ok() {
        let keys: std::collections::HashSet<_> = ProductLine::ALL.map(ProductLine::as_str).into_iter().collect();
        let labels: std::collections::HashSet<_> = ProductLine::ALL.map(ProductLine::label).into_iter().collect();
        assert_eq!(
            (keys.len(), labels.len()),
            (ProductLine::ALL.len(), ProductLine::ALL.len())
        );
        assert_eq!(ProductLine::DentalVision.label(), "Dental & vision");
    }
}
