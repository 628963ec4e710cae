//! The lifecycle of a policy, as one pure function: Draft → Pending payment → Active → Cancelled |
//! Lapsed | Expired | Non-renewed. [`decide`] says whether a move is allowed, for whom, and what it
//! needs; [`due`] says what the daily job must do to a policy today. No database, no clock: the
//! caller gathers the [`Facts`].

use chrono::{Duration, NaiveDate};

use crate::domain::policy::{PolicyStatus, RenewalStatus};

/// Who asks for a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The policy's writing agent, or the leader of their team.
    Agent,
    /// An admin.
    Admin,
    /// An owner (the only one who may override the licence check).
    Owner,
    /// The daily job.
    System,
}

impl Who {
    fn is_staff(self) -> bool {
        matches!(self, Who::Admin | Who::Owner)
    }
}

/// What the decision needs to know about the policy, today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub status: PolicyStatus,
    pub today: NaiveDate,
    pub submitted_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub term_end_on: NaiveDate,
    pub renewal: RenewalStatus,
    /// The due date of the oldest instalment not fully paid whose due date has passed.
    pub oldest_missed_due: Option<NaiveDate>,
    /// Days of grace after a missed instalment (the `grace_days` rule).
    pub grace_days: i64,
}

impl Facts {
    /// The first day the policy may lapse: the day after the grace period of its oldest missed
    /// instalment ends.
    pub fn lapses_from(&self) -> Option<NaiveDate> {
        self.oldest_missed_due.map(|d| d + Duration::days(self.grace_days + 1))
    }
}

/// What the licence check found for an activation (see `agents::readiness::may_sell`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivationChecks {
    /// Why the writing agent could not sell the product in the insured's state on the effective
    /// date; empty when they could.
    pub licence_problems: Vec<String>,
    /// An owner's reason for activating anyway.
    pub licence_override: Option<String>,
    /// Whether the product is a Medicare product (needs a Scope of Appointment).
    pub medicare: bool,
    /// Whether a signed Scope of Appointment covers the sale (valid on the effective date).
    pub soa_valid: bool,
    /// The reason given for activating a Medicare policy without a valid SOA.
    pub soa_override: Option<String>,
}

/// A move someone asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Draft → Pending payment: the application went to the carrier.
    Submit,
    /// Pending payment → Active: the carrier issued it and the first premium is in hand.
    Activate(ActivationChecks),
    /// Draft, Pending payment or Active → Cancelled, with a reason and the date it ends.
    Cancel { reason: String, on: Option<NaiveDate> },
    /// Pending payment or Active → Lapsed: a missed instalment is past its grace period.
    Lapse,
    /// Active → Expired: past its term end (and not declined for renewal).
    Expire,
    /// Active → Non-renewed: past its term end after the renewal was declined.
    NonRenew,
}

impl Move {
    /// The name kept in the policy's history.
    pub fn kind(&self) -> &'static str {
        match self {
            Move::Submit => "submitted",
            Move::Activate(_) => "activated",
            Move::Cancel { .. } => "cancelled",
            Move::Lapse => "lapsed",
            Move::Expire => "expired",
            Move::NonRenew => "non_renewed",
        }
    }
}

/// Why a move is refused: the field it is about (for forms) and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

/// Whether `who` may make `mv` now, and the status it leads to.
pub fn decide(facts: &Facts, who: Who, mv: &Move) -> Result<PolicyStatus, Refusal> {
    use PolicyStatus::*;
    let from = facts.status;
    if from.is_final() {
        return Err(refuse(
            "status",
            format!(
                "The policy is {}: nothing changes it any more.",
                from.label().to_lowercase()
            ),
        ));
    }
    let wrong = || {
        refuse(
            "status",
            format!("A {} policy cannot be {}.", from.label().to_lowercase(), past_tense(mv)),
        )
    };
    match mv {
        Move::Submit => {
            if who == Who::System {
                return Err(refuse("status", "Only people submit applications."));
            }
            if from != Draft {
                return Err(wrong());
            }
            Ok(PendingPayment)
        }
        Move::Activate(checks) => {
            if who == Who::System {
                return Err(refuse("status", "Only people activate policies."));
            }
            if from != PendingPayment {
                return Err(wrong());
            }
            if !checks.licence_problems.is_empty() {
                let problems = checks.licence_problems.join(" ");
                match (&checks.licence_override, who) {
                    (Some(reason), Who::Owner) if !reason.trim().is_empty() => {}
                    (Some(reason), Who::Owner) if reason.trim().is_empty() => {
                        return Err(refuse("licence_override", "Give the reason for the override."))
                    }
                    (Some(_), _) => {
                        return Err(refuse(
                            "licence_override",
                            format!("Only an owner can override the licence check. {problems}"),
                        ))
                    }
                    (None, _) => {
                        return Err(refuse(
                            "licence_override",
                            format!("The writing agent could not sell this product in the insured's state on the effective date: {problems}"),
                        ))
                    }
                }
            }
            if checks.medicare && !checks.soa_valid {
                match &checks.soa_override {
                    Some(reason) if !reason.trim().is_empty() => {}
                    _ => {
                        return Err(refuse(
                            "soa_override",
                            "No signed Scope of Appointment within its validity covers this Medicare sale: record one, or give the reason for activating without it.",
                        ))
                    }
                }
            }
            Ok(Active)
        }
        Move::Cancel { reason, on } => {
            if who == Who::System {
                return Err(refuse("status", "Only people cancel policies."));
            }
            if !matches!(from, Draft | PendingPayment | Active) {
                return Err(wrong());
            }
            if reason.trim().is_empty() {
                return Err(refuse("cancel_reason", "Give the reason for the cancellation."));
            }
            match on {
                None => Err(refuse("cancelled_on", "Give the date the policy ends.")),
                Some(d) if *d < facts.submitted_on => Err(refuse(
                    "cancelled_on",
                    "The cancellation date cannot be before the application was submitted.",
                )),
                Some(d) if *d > facts.term_end_on => Err(refuse(
                    "cancelled_on",
                    "The cancellation date cannot be after the term ends.",
                )),
                Some(_) => Ok(Cancelled),
            }
        }
        Move::Lapse => {
            if !(who == Who::System || who.is_staff()) {
                return Err(refuse(
                    "status",
                    "Lapses are recorded by the daily run or by an owner or admin.",
                ));
            }
            if !matches!(from, PendingPayment | Active) {
                return Err(wrong());
            }
            match facts.lapses_from() {
                None => Err(refuse("status", "No instalment is missed: the policy cannot lapse.")),
                Some(d) if facts.today < d => Err(refuse(
                    "status",
                    format!(
                        "The grace period of the missed instalment runs until {}.",
                        d - Duration::days(1)
                    ),
                )),
                Some(_) => Ok(Lapsed),
            }
        }
        Move::Expire | Move::NonRenew => {
            if !(who == Who::System || who.is_staff()) {
                return Err(refuse(
                    "status",
                    "Term ends are recorded by the daily run or by an owner or admin.",
                ));
            }
            if from != Active {
                return Err(wrong());
            }
            if facts.today <= facts.term_end_on {
                return Err(refuse("status", format!("The term runs until {}.", facts.term_end_on)));
            }
            let declined = facts.renewal == RenewalStatus::Declined;
            match (mv, declined) {
                (Move::Expire, false) => Ok(Expired),
                (Move::NonRenew, true) => Ok(NonRenewed),
                (Move::Expire, true) => Err(refuse(
                    "status",
                    "The renewal was declined: the policy is non-renewed, not expired.",
                )),
                _ => Err(refuse("status", "The renewal was not declined: the policy expires.")),
            }
        }
    }
}

fn past_tense(mv: &Move) -> &'static str {
    match mv {
        Move::Submit => "submitted",
        Move::Activate(_) => "activated",
        Move::Cancel { .. } => "cancelled",
        Move::Lapse => "lapsed",
        Move::Expire => "expired",
        Move::NonRenew => "marked non-renewed",
    }
}

/// What the daily job must do to a policy today, if anything: a term that has ended expires (or
/// is non-renewed when the renewal was declined); an unpaid instalment past its grace lapses the
/// policy. A lapse wins over a term end on the same day (the premium was never paid).
pub fn due(facts: &Facts) -> Option<Move> {
    [Move::Lapse, Move::NonRenew, Move::Expire]
        .into_iter()
        .find(|mv| decide(facts, Who::System, mv).is_ok())
}

/// The moves a person may be offered on the policy page (before any checks that need the form).
pub fn offered(facts: &Facts, who: Who) -> Vec<&'static str> {
    let mut out = Vec::new();
    let probe = [
        Move::Submit,
        Move::Activate(ActivationChecks {
            soa_valid: true,
            ..Default::default()
        }),
        Move::Cancel {
            reason: "x".into(),
            on: Some(
                facts
                    .today
                    .clamp(facts.submitted_on, facts.term_end_on.max(facts.submitted_on)),
            ),
        },
        Move::Lapse,
        Move::Expire,
        Move::NonRenew,
    ];
    for mv in probe {
        if decide(facts, who, &mv).is_ok() {
            out.push(mv.kind());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyStatus::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(status: PolicyStatus) -> Facts {
        Facts {
            status,
            today: d("2026-06-01"),
            submitted_on: d("2026-01-01"),
            effective_on: d("2026-02-01"),
            term_end_on: d("2027-01-31"),
            renewal: RenewalStatus::None,
            oldest_missed_due: None,
            grace_days: 30,
        }
    }

    fn cancel(on: &str) -> Move {
        Move::Cancel {
            reason: "Moved abroad".into(),
            on: Some(d(on)),
        }
    }

    fn ok_checks() -> ActivationChecks {
        ActivationChecks::default()
    }

    #[test]
    fn every_allowed_transition() {
        assert_eq!(decide(&facts(Draft), Who::Agent, &Move::Submit), Ok(PendingPayment));
        assert_eq!(
            decide(&facts(PendingPayment), Who::Agent, &Move::Activate(ok_checks())),
            Ok(Active)
        );
        for s in [Draft, PendingPayment, Active] {
            assert_eq!(decide(&facts(s), Who::Agent, &cancel("2026-06-01")), Ok(Cancelled));
        }
        let mut f = facts(Active);
        f.oldest_missed_due = Some(d("2026-04-01"));
        assert_eq!(decide(&f, Who::System, &Move::Lapse), Ok(Lapsed));
        f.status = PendingPayment;
        assert_eq!(decide(&f, Who::Admin, &Move::Lapse), Ok(Lapsed));
        let mut f = facts(Active);
        f.today = d("2027-02-01");
        assert_eq!(decide(&f, Who::System, &Move::Expire), Ok(Expired));
        f.renewal = RenewalStatus::Declined;
        assert_eq!(decide(&f, Who::System, &Move::NonRenew), Ok(NonRenewed));
    }

    #[test]
    fn every_refused_transition_from_each_status() {
        let moves = [
            Move::Submit,
            Move::Activate(ok_checks()),
            cancel("2026-06-01"),
            Move::Lapse,
            Move::Expire,
            Move::NonRenew,
        ];
        // The (status, move) pairs that are allowed for an owner with every fact in favour.
        let allowed = |s: PolicyStatus, m: &Move| {
            matches!(
                (s, m),
                (Draft, Move::Submit)
                    | (PendingPayment, Move::Activate(_))
                    | (Draft | PendingPayment | Active, Move::Cancel { .. })
                    | (PendingPayment | Active, Move::Lapse)
                    | (Active, Move::Expire)
            )
        };
        for s in PolicyStatus::ALL {
            for m in &moves {
                let mut f = facts(*s);
                f.today = d("2027-02-01");
                f.term_end_on = d("2027-01-31");
                f.oldest_missed_due = Some(d("2026-04-01"));
                let got = decide(&f, Who::Owner, m);
                let m = match m {
                    Move::Cancel { reason, .. } => Move::Cancel {
                        reason: reason.clone(),
                        on: Some(d("2027-01-31")),
                    },
                    other => other.clone(),
                };
                let got = if matches!(m, Move::Cancel { .. }) {
                    decide(&f, Who::Owner, &m)
                } else {
                    got
                };
                assert_eq!(got.is_ok(), allowed(*s, &m), "{s:?} {m:?}: {got:?}");
            }
        }
    }

    #[test]
    fn ended_policies_never_move_again() {
        for s in [Cancelled, Lapsed, Expired, NonRenewed] {
            let e = decide(&facts(s), Who::Owner, &cancel("2026-06-01")).unwrap_err();
            assert!(e.message.contains("nothing changes it"), "{e:?}");
        }
    }

    #[test]
    fn a_cancellation_needs_a_reason_and_a_date_within_the_policy() {
        let f = facts(Active);
        let e = decide(
            &f,
            Who::Agent,
            &Move::Cancel {
                reason: " ".into(),
                on: Some(d("2026-06-01")),
            },
        )
        .unwrap_err();
        assert_eq!(e.field, "cancel_reason");
        let e = decide(
            &f,
            Who::Agent,
            &Move::Cancel {
                reason: "r".into(),
                on: None,
            },
        )
        .unwrap_err();
        assert_eq!(e.field, "cancelled_on");
        assert_eq!(
            decide(&f, Who::Agent, &cancel("2025-12-31")).unwrap_err().field,
            "cancelled_on"
        );
        assert_eq!(
            decide(&f, Who::Agent, &cancel("2027-02-01")).unwrap_err().field,
            "cancelled_on"
        );
    }

    #[test]
    fn a_lapse_only_after_the_grace_period_of_a_missed_payment() {
        let mut f = facts(Active);
        assert!(decide(&f, Who::System, &Move::Lapse)
            .unwrap_err()
            .message
            .contains("No instalment"));
        f.oldest_missed_due = Some(d("2026-05-01"));
        // Due 1 May, 30 days of grace: runs to 31 May; lapses from 1 June.
        f.today = d("2026-05-31");
        assert!(decide(&f, Who::System, &Move::Lapse)
            .unwrap_err()
            .message
            .contains("2026-05-31"));
        f.today = d("2026-06-01");
        assert_eq!(decide(&f, Who::System, &Move::Lapse), Ok(Lapsed));
        assert!(
            decide(&f, Who::Agent, &Move::Lapse).is_err(),
            "agents do not lapse policies"
        );
    }

    #[test]
    fn the_term_end_expires_or_non_renews_the_day_after() {
        let mut f = facts(Active);
        f.today = d("2027-01-31");
        assert_eq!(due(&f), None);
        f.today = d("2027-02-01");
        assert_eq!(due(&f), Some(Move::Expire));
        f.renewal = RenewalStatus::Declined;
        assert_eq!(due(&f), Some(Move::NonRenew));
        assert!(decide(&f, Who::System, &Move::Expire).is_err());
        f.status = Expired;
        assert_eq!(due(&f), None, "an expired policy is not expired twice");
    }

    #[test]
    fn activation_checks_the_licence_and_the_scope_of_appointment() {
        let f = facts(PendingPayment);
        let unlicensed = ActivationChecks {
            licence_problems: vec!["No valid licence in FL.".into()],
            ..Default::default()
        };
        let e = decide(&f, Who::Agent, &Move::Activate(unlicensed.clone())).unwrap_err();
        assert_eq!(e.field, "licence_override");
        assert!(e.message.contains("No valid licence in FL."));
        let overridden = ActivationChecks {
            licence_override: Some("Licence issued, the state's record is late".into()),
            ..unlicensed.clone()
        };
        assert!(decide(&f, Who::Admin, &Move::Activate(overridden.clone()))
            .unwrap_err()
            .message
            .contains("Only an owner"));
        assert_eq!(decide(&f, Who::Owner, &Move::Activate(overridden)), Ok(Active));
        let blank = ActivationChecks {
            licence_override: Some("  ".into()),
            ..unlicensed
        };
        assert!(decide(&f, Who::Owner, &Move::Activate(blank)).is_err());

        let no_soa = ActivationChecks {
            medicare: true,
            ..Default::default()
        };
        assert_eq!(
            decide(&f, Who::Agent, &Move::Activate(no_soa.clone()))
                .unwrap_err()
                .field,
            "soa_override"
        );
        let with_reason = ActivationChecks {
            soa_override: Some("Beneficiary called in; SOA taken on the recorded line".into()),
            ..no_soa.clone()
        };
        assert_eq!(decide(&f, Who::Agent, &Move::Activate(with_reason)), Ok(Active));
        let signed = ActivationChecks {
            soa_valid: true,
            ..no_soa
        };
        assert_eq!(decide(&f, Who::Agent, &Move::Activate(signed)), Ok(Active));
    }

    #[test]
    fn the_page_offers_what_the_viewer_may_do() {
        assert_eq!(offered(&facts(Draft), Who::Agent), vec!["submitted", "cancelled"]);
        assert_eq!(
            offered(&facts(PendingPayment), Who::Agent),
            vec!["activated", "cancelled"]
        );
        assert_eq!(offered(&facts(Active), Who::Agent), vec!["cancelled"]);
        assert!(offered(&facts(Cancelled), Who::Owner).is_empty());
    }
}
