//! The broker network's vocabulary: connection kinds and states, referral targets, states and
//! split kinds.

crate::domain::vocabulary! {
    /// What a connection between two members is for.
    pub enum ConnectionKind {
        Mentorship => ("mentorship", "Mentorship"),
        Partnership => ("partnership", "Partnership"),
        CrossReferral => ("cross_referral", "Cross-referral"),
    }
}

crate::domain::vocabulary! {
    /// Where a connection stands.
    pub enum ConnectionStatus {
        /// Asked for, not answered yet.
        Pending => ("pending", "Waiting for an answer"),
        Active => ("active", "Active"),
        Declined => ("declined", "Declined"),
        /// Ended by either side; its history is kept.
        Inactive => ("inactive", "Inactive"),
    }
}

crate::domain::vocabulary! {
    /// Who a referral goes to.
    pub enum ReferralTarget {
        /// A connected member (the target id is their user id).
        Broker => ("broker", "A connected broker"),
        /// A broker team (the target id is the team's id); its members share them in turn.
        Team => ("team", "A broker team"),
        /// The agency: the person goes through intake and routing like any lead.
        Agency => ("agency", "The agency"),
    }
}

crate::domain::vocabulary! {
    /// Where a referral stands.
    pub enum ReferralStatus {
        /// The person's consent does not name the receiver yet: nothing is shared.
        ConsentNeeded => ("consent_needed", "Consent needed"),
        Pending => ("pending", "Waiting for the receiver"),
        Accepted => ("accepted", "Accepted"),
        Converted => ("converted", "Converted"),
        Declined => ("declined", "Declined"),
        Expired => ("expired", "Expired"),
        /// The person refused, revoked consent or asked not to be called: the hand-off stopped.
        Stopped => ("stopped", "Stopped"),
    }
}

impl ReferralStatus {
    /// Still open: it counts against a duplicate referral of the same person.
    pub fn is_open(self) -> bool {
        matches!(self, Self::ConsentNeeded | Self::Pending | Self::Accepted)
    }

    pub const OPEN: [ReferralStatus; 3] = [Self::ConsentNeeded, Self::Pending, Self::Accepted];
}

crate::domain::vocabulary! {
    /// What the referrer is paid when the referral converts.
    pub enum SplitKind {
        /// A share of the policy's commission (basis points).
        Percent => ("percent", "Share of the commission"),
        /// A flat referral fee (cents); for Medicare products at most the CMS referral-fee limit.
        Flat => ("flat", "Flat referral fee"),
    }
}
