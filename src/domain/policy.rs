//! The vocabulary of policies: statuses, billing frequencies, Medicare enrollment types, product
//! sub-types, payment methods, document kinds, Scope of Appointment methods, endorsement kinds and
//! where a policy came from. Stored as their keys; the commission and analytics domains read them.

use super::ProductLine;

crate::domain::vocabulary! {
    /// Where a policy is in its life (see `policies::lifecycle` for the allowed moves).
    pub enum PolicyStatus {
        Draft => ("draft", "Draft"),
        PendingPayment => ("pending_payment", "Pending payment"),
        Active => ("active", "Active"),
        Cancelled => ("cancelled", "Cancelled"),
        Lapsed => ("lapsed", "Lapsed"),
        Expired => ("expired", "Expired"),
        NonRenewed => ("non_renewed", "Non-renewed"),
    }
}

impl PolicyStatus {
    /// Whether the policy has ended (nothing moves it again).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Cancelled | Self::Lapsed | Self::Expired | Self::NonRenewed)
    }
}

crate::domain::vocabulary! {
    /// How often the premium is billed.
    pub enum BillingFrequency {
        Monthly => ("monthly", "Monthly"),
        Quarterly => ("quarterly", "Quarterly"),
        SemiAnnual => ("semi_annual", "Semi-annual"),
        Annual => ("annual", "Annual"),
    }
}

impl BillingFrequency {
    /// Months between instalments.
    pub fn months(self) -> u32 {
        match self {
            Self::Monthly => 1,
            Self::Quarterly => 3,
            Self::SemiAnnual => 6,
            Self::Annual => 12,
        }
    }
}

crate::domain::vocabulary! {
    /// The CMS enrollment type of a Medicare sale (commission schedules pay by it).
    pub enum EnrollmentType {
        NewToMedicare => ("new_to_medicare", "New to Medicare"),
        LikeForLike => ("like_for_like", "Plan change (like for like)"),
        Unlike => ("unlike", "Plan change (unlike)"),
    }
}

crate::domain::vocabulary! {
    /// A product's sub-type within its line.
    pub enum ProductSubType {
        AutoStandard => ("auto_standard", "Standard"),
        AutoComprehensive => ("auto_comprehensive", "Comprehensive"),
        AutoThirdParty => ("auto_third_party", "Third-party"),
        AutoUsageBased => ("auto_usage_based", "Usage-based"),
        HomeStandard => ("home_standard", "Standard"),
        HomeComprehensive => ("home_comprehensive", "Comprehensive"),
        HomeRenters => ("home_renters", "Renters"),
        HomeCondo => ("home_condo", "Condo"),
        LifeTerm => ("life_term", "Term"),
        LifeWhole => ("life_whole", "Whole"),
        LifeUniversal => ("life_universal", "Universal"),
        LifeVariable => ("life_variable", "Variable"),
        HealthPpo => ("health_ppo", "PPO"),
        HealthHmo => ("health_hmo", "HMO"),
        HealthHighDeductible => ("health_high_deductible", "High-deductible"),
        HealthCatastrophic => ("health_catastrophic", "Catastrophic"),
        CommercialGeneralLiability => ("commercial_general_liability", "General liability"),
        CommercialProfessional => ("commercial_professional", "Professional liability"),
        CommercialProperty => ("commercial_property", "Property"),
        CommercialWorkersComp => ("commercial_workers_comp", "Workers' comp"),
        OtherUmbrella => ("other_umbrella", "Umbrella"),
        OtherDisability => ("other_disability", "Disability"),
        OtherLongTermCare => ("other_long_term_care", "Long-term care"),
        OtherPet => ("other_pet", "Pet"),
    }
}

impl ProductSubType {
    /// The product line this sub-type belongs to.
    pub fn line(self) -> ProductLine {
        let key = self.as_str();
        if key.starts_with("auto_") {
            ProductLine::Auto
        } else if key.starts_with("home_") {
            ProductLine::Home
        } else if key.starts_with("life_") {
            ProductLine::Life
        } else if key.starts_with("health_") {
            ProductLine::AcaHealth
        } else if key.starts_with("commercial_") {
            ProductLine::Commercial
        } else {
            ProductLine::Other
        }
    }

    /// The sub-types of a line (empty for lines that have none).
    pub fn of_line(line: ProductLine) -> Vec<ProductSubType> {
        Self::ALL.iter().copied().filter(|s| s.line() == line).collect()
    }

    /// Parses a sub-type for a line: its key, or its label within the line ("Term" for life).
    pub fn parse_for(line: ProductLine, raw: &str) -> Result<ProductSubType, String> {
        let raw = raw.trim();
        let of_line = Self::of_line(line);
        of_line
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw) || s.label().eq_ignore_ascii_case(raw))
            .ok_or_else(|| {
                if of_line.is_empty() {
                    format!("{} products have no sub-types.", line.label())
                } else {
                    let labels: Vec<&str> = of_line.iter().map(|s| s.label()).collect();
                    format!("A {} sub-type is one of: {}.", line.label(), labels.join(", "))
                }
            })
    }
}

crate::domain::vocabulary! {
    /// How a premium payment was made.
    pub enum PaymentMethod {
        Card => ("card", "Card"),
        Bank => ("bank", "Bank transfer / ACH"),
        Check => ("check", "Check"),
        Cash => ("cash", "Cash"),
        Carrier => ("carrier", "Paid to the carrier"),
        Other => ("other", "Other"),
    }
}

crate::domain::vocabulary! {
    /// What an uploaded policy document is.
    pub enum DocumentKind {
        Application => ("application", "Application"),
        Policy => ("policy", "Policy document"),
        IdCard => ("id_card", "ID card"),
        Correspondence => ("correspondence", "Correspondence"),
        Other => ("other", "Other"),
    }
}

crate::domain::vocabulary! {
    /// How a Scope of Appointment was signed.
    pub enum SoaMethod {
        InPerson => ("in_person", "In person"),
        Phone => ("phone", "By phone"),
        Electronic => ("electronic", "Electronically"),
    }
}

crate::domain::vocabulary! {
    /// Where a Scope of Appointment is.
    pub enum SoaStatus {
        AwaitingSignature => ("awaiting_signature", "Awaiting signature"),
        Signed => ("signed", "Signed"),
        Withdrawn => ("withdrawn", "Withdrawn"),
    }
}

crate::domain::vocabulary! {
    /// What an endorsement changes.
    pub enum EndorsementKind {
        Premium => ("premium", "Premium change"),
        Lives => ("lives", "Lives added or removed"),
        Coverage => ("coverage", "Coverage change"),
        Address => ("address", "Insured's address"),
    }
}

crate::domain::vocabulary! {
    /// Where a policy's renewal is.
    pub enum RenewalStatus {
        None => ("none", "Not started"),
        Offered => ("offered", "Offer recorded"),
        Renewed => ("renewed", "Renewed"),
        Declined => ("declined", "Declined"),
    }
}

/// The policy events a webhook endpoint can subscribe to (`policies::webhooks` sends them).
pub const WEBHOOK_EVENTS: &[&str] = &[
    "policy.issued",
    "policy.activated",
    "policy.cancelled",
    "policy.lapsed",
    "policy.renewed",
];

crate::domain::vocabulary! {
    /// How a policy came to be recorded.
    pub enum PolicySource {
        Manual => ("manual", "Entered"),
        Lead => ("lead", "From a lead"),
        Import => ("import", "Imported"),
        Api => ("api", "Through the API"),
        Renewal => ("renewal", "Renewal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_keys_list_the_choices() {
        for s in PolicyStatus::ALL {
            assert_eq!(s.as_str().parse::<PolicyStatus>(), Ok(*s));
        }
        assert_eq!(
            " SEMI_ANNUAL ".parse::<BillingFrequency>(),
            Ok(BillingFrequency::SemiAnnual)
        );
        let err = "weekly".parse::<BillingFrequency>().unwrap_err();
        assert!(err.contains("monthly, quarterly, semi_annual, annual"), "{err}");
        assert_eq!(
            serde_json::to_string(&PolicyStatus::PendingPayment).unwrap(),
            "\"pending_payment\""
        );
    }

    #[test]
    fn every_sub_type_belongs_to_one_line_and_parses_by_label_within_it() {
        assert_eq!(ProductSubType::of_line(ProductLine::Auto).len(), 4);
        assert_eq!(ProductSubType::of_line(ProductLine::Home).len(), 4);
        assert_eq!(ProductSubType::of_line(ProductLine::Life).len(), 4);
        assert_eq!(ProductSubType::of_line(ProductLine::AcaHealth).len(), 4);
        assert_eq!(ProductSubType::of_line(ProductLine::Commercial).len(), 4);
        assert_eq!(ProductSubType::of_line(ProductLine::Other).len(), 4);
        assert!(ProductSubType::of_line(ProductLine::MedicareAdvantage).is_empty());
        assert_eq!(
            ProductSubType::parse_for(ProductLine::Life, "term"),
            Ok(ProductSubType::LifeTerm)
        );
        assert_eq!(
            ProductSubType::parse_for(ProductLine::Home, "Renters"),
            Ok(ProductSubType::HomeRenters)
        );
        assert!(ProductSubType::parse_for(ProductLine::Auto, "Term").is_err());
        assert!(ProductSubType::parse_for(ProductLine::PartD, "x")
            .unwrap_err()
            .contains("no sub-types"));
    }
}
