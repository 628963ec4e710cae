//! The vocabulary of commissions: how a schedule's rate is given and paid, who a payee is, the
//! kinds of ledger entry and where an amount came from. Stored as their keys; the broker network
//! and analytics read them.

crate::domain::vocabulary! {
    /// What a schedule's rate is.
    pub enum RateBasis {
        /// A percent of the premium (stored in basis points: 1,250 is 12.5 %).
        Percent => ("percent", "Percent of premium"),
        /// A flat amount per policy per policy year (cents).
        Flat => ("flat", "Flat amount per policy"),
        /// An amount per life covered per policy year (cents).
        PerLife => ("per_life", "Amount per life"),
    }
}

crate::domain::vocabulary! {
    /// When the carrier pays a policy year's commission.
    pub enum PayMode {
        /// With each instalment of premium.
        AsEarned => ("as_earned", "As earned (per instalment)"),
        /// The first N months at once; the unearned part is charged back if the policy ends early.
        Advance => ("advance", "Advanced"),
    }
}

crate::domain::vocabulary! {
    /// Who is paid.
    pub enum PayeeKind {
        /// An agent (the payee id is the agent's id).
        Agent => ("agent", "Agent"),
        /// A referring broker (the payee id is the broker's user id).
        Broker => ("broker", "Broker"),
        /// A team's pool (the payee id is the team's id).
        Pool => ("pool", "Team pool"),
        /// The agency itself: what no level below it takes.
        Agency => ("agency", "Agency"),
    }
}

crate::domain::vocabulary! {
    /// Why a payee has a share of a policy's commission.
    pub enum PayeeRole {
        Writing => ("writing", "Writing agent"),
        Split => ("split", "Split agent"),
        Referral => ("referral", "Referring broker"),
        Pool => ("pool", "Team pool"),
        /// An upline's override on a downline's share.
        Override => ("override", "Override"),
        /// The agency's part above the top level.
        House => ("house", "Agency"),
    }
}

crate::domain::vocabulary! {
    /// What a ledger entry records.
    pub enum EntryKind {
        /// Computed from a schedule: what the agency expects to be owed (positive).
        Expected => ("expected", "Expected"),
        /// What a carrier's statement says it paid.
        Received => ("received", "Received"),
        /// A correction, with who and why (either sign).
        Adjustment => ("adjustment", "Adjustment"),
        /// Money taken back: cancellation, refund, rapid disenrollment (always negative).
        Chargeback => ("chargeback", "Chargeback"),
        /// Paid out to the payee.
        Payout => ("payout", "Payout"),
    }
}

crate::domain::vocabulary! {
    /// Where a ledger entry's amount came from.
    pub enum EntrySource {
        Computed => ("computed", "Computed"),
        CarrierStatement => ("carrier_statement", "Carrier statement"),
        Manual => ("manual", "Manual adjustment"),
    }
}

crate::domain::vocabulary! {
    /// The products the CMS compensation limits cover.
    pub enum CmsProduct {
        MedicareAdvantage => ("medicare_advantage", "Medicare Advantage"),
        PartD => ("part_d", "Part D"),
    }
}
