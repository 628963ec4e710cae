//! The lead status pipeline: [`LeadStatus`] and [`can_transition`] are the one place where
//! allowed status changes live; screens build their buttons from [`next_statuses`]. Pure: no I/O.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a lead stands in the sales pipeline `new → contacted → qualified → quoted → won | lost`.
///
/// The first four are *open* (someone still works the lead, see [`LeadStatus::is_open`]); the
/// rest are closed. Which changes are allowed is decided by [`can_transition`] only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Just arrived, nobody has reached out yet.
    New,
    /// An agent has talked to or written with the consumer.
    Contacted,
    /// The consumer is a fit and interested.
    Qualified,
    /// A quote has been presented.
    Quoted,
    /// A policy was sold. Final, apart from an opt-out.
    Won,
    /// The consumer is not buying. Can be re-opened as contacted.
    Lost,
    /// Repeated attempts failed; the consumer may still call back.
    Unreachable,
    /// The consumer opted out. Final: nothing leaves this status.
    DoNotContact,
}

impl LeadStatus {
    /// Every status, in pipeline order. [`next_statuses`] keeps this order.
    pub const ALL: [Self; 8] = [
        Self::New,
        Self::Contacted,
        Self::Qualified,
        Self::Quoted,
        Self::Won,
        Self::Lost,
        Self::Unreachable,
        Self::DoNotContact,
    ];

    /// Stable snake_case key for the database, URLs and forms (e.g. `"do_not_contact"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Qualified => "qualified",
            Self::Quoted => "quoted",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Unreachable => "unreachable",
            Self::DoNotContact => "do_not_contact",
        }
    }

    /// Human-readable name for screens (e.g. `"Do not contact"`).
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Contacted => "Contacted",
            Self::Qualified => "Qualified",
            Self::Quoted => "Quoted",
            Self::Won => "Won",
            Self::Lost => "Lost",
            Self::Unreachable => "Unreachable",
            Self::DoNotContact => "Do not contact",
        }
    }

    /// `true` for New, Contacted, Qualified and Quoted: the lead is still being worked.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Contacted | Self::Qualified | Self::Quoted)
    }

    /// Position along the open part of the pipeline (`None` for closed statuses).
    fn pipeline_rank(self) -> Option<u8> {
        match self {
            Self::New => Some(0),
            Self::Contacted => Some(1),
            Self::Qualified => Some(2),
            Self::Quoted => Some(3),
            _ => None,
        }
    }
}

impl FromStr for LeadStatus {
    type Err = String;

    /// Parses a key as produced by [`LeadStatus::as_str`] or a label as produced by
    /// [`LeadStatus::label`], ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim();
        Self::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(key) || status.label().eq_ignore_ascii_case(key))
            .ok_or_else(|| {
                format!(
                    "Unknown lead status {s:?}; expected one of: {}.",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// Decides whether a lead may move from `from` to `to`. This is the only place the pipeline rules
/// live; the `Err` is a sentence to show to the person who tried.
///
/// * Same status → refused ("The lead is already Qualified.").
/// * Nothing leaves Do not contact; anything may go to Do not contact (a consumer can always opt
///   out).
/// * Won is final. Lost is final except re-opening it as Contacted.
/// * Unreachable may go back to Contacted (they called back) or to Lost.
/// * Lost is allowed from every open status; Unreachable only from New or Contacted.
/// * Won only from Qualified or Quoted.
/// * Otherwise forward along `new → contacted → qualified → quoted` by one or more steps;
///   backwards is refused.
pub fn can_transition(from: LeadStatus, to: LeadStatus) -> Result<(), String> {
    use LeadStatus::*;

    if from == to {
        return Err(format!("The lead is already {}.", from.label()));
    }
    match from {
        DoNotContact => {
            return Err("The lead asked not to be contacted, so its status cannot change.".to_string());
        }
        _ if to == DoNotContact => return Ok(()),
        Won => return Err("The lead is won; it can only be marked Do not contact.".to_string()),
        Lost => {
            return match to {
                Contacted => Ok(()),
                _ => Err("A lost lead can only be re-opened as Contacted or marked Do not contact.".to_string()),
            };
        }
        Unreachable => {
            return match to {
                Contacted | Lost => Ok(()),
                _ => Err(
                    "An unreachable lead can only go back to Contacted, or be marked Lost or Do not contact."
                        .to_string(),
                ),
            };
        }
        New | Contacted | Qualified | Quoted => {}
    }
    // `from` is open from here on.
    match to {
        Lost => Ok(()),
        Unreachable if matches!(from, New | Contacted) => Ok(()),
        Unreachable => Err("Only a new or contacted lead can be marked Unreachable.".to_string()),
        Won if matches!(from, Qualified | Quoted) => Ok(()),
        Won => Err("A lead must be qualified or quoted before it can be won.".to_string()),
        _ => match (from.pipeline_rank(), to.pipeline_rank()) {
            (Some(a), Some(b)) if b > a => Ok(()),
            _ => Err(format!(
                "A lead cannot go back from {} to {}.",
                from.label(),
                to.label()
            )),
        },
    }
}

/// The statuses a lead in `from` may move to, in [`LeadStatus::ALL`] order.
pub fn next_statuses(from: LeadStatus) -> Vec<LeadStatus> {
    LeadStatus::ALL
        .into_iter()
        .filter(|to| can_transition(from, *to).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys_and_labels_round_trip() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(status));
            assert_eq!(status.label().to_uppercase().parse::<LeadStatus>(), Ok(status));
        }
        assert_eq!(" Do_Not_Contact ".parse::<LeadStatus>(), Ok(LeadStatus::DoNotContact));
        assert_eq!(LeadStatus::DoNotContact.label(), "Do not contact");
        let err = "closed".parse::<LeadStatus>().unwrap_err();
        assert!(err.starts_with("Unknown lead status \"closed\""), "{err}");
    }

    #[test]
    fn status_open_and_closed_are_split() {
        let open: Vec<_> = LeadStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        use LeadStatus::*;
        assert_eq!(open, vec![New, Contacted, Qualified, Quoted]);
    }

    #[test]
    fn status_serde_uses_snake_case_keys() {
        assert_eq!(
            serde_json::to_string(&LeadStatus::DoNotContact).unwrap(),
            "\"do_not_contact\""
        );
        assert_eq!(
            serde_json::from_str::<LeadStatus>("\"quoted\"").unwrap(),
            LeadStatus::Quoted
        );
    }

    /// Expected outcome of every transition. Rows are `from`, columns are `to`, both in
    /// `LeadStatus::ALL` order: new, contacted, qualified, quoted, won, lost, unreachable, dnc.
    const EXPECTED: [[bool; 8]; 8] = {
        const T: bool = true;
        const F: bool = false;
        [
            //   new contacted qualified quoted won lost unreach dnc
            [F, T, T, T, F, T, T, T], // new
            [F, F, T, T, F, T, T, T], // contacted
            [F, F, F, T, T, T, F, T], // qualified
            [F, F, F, F, T, T, F, T], // quoted
            [F, F, F, F, F, F, F, T], // won
            [F, T, F, F, F, F, F, T], // lost
            [F, T, F, F, F, T, F, T], // unreachable
            [F, F, F, F, F, F, F, F], // do_not_contact
        ]
    };

    #[test]
    fn every_transition_matches_expected_table() {
        for (i, from) in LeadStatus::ALL.into_iter().enumerate() {
            for (j, to) in LeadStatus::ALL.into_iter().enumerate() {
                let result = can_transition(from, to);
                assert_eq!(
                    result.is_ok(),
                    EXPECTED[i][j],
                    "{} -> {}: {result:?}",
                    from.as_str(),
                    to.as_str()
                );
                if let Err(message) = result {
                    assert!(message.ends_with('.') && message.chars().next().unwrap().is_uppercase());
                }
            }
        }
    }

    #[test]
    fn next_statuses_follow_table_in_all_order() {
        for (i, from) in LeadStatus::ALL.into_iter().enumerate() {
            let expected: Vec<_> = LeadStatus::ALL
                .into_iter()
                .enumerate()
                .filter(|(j, _)| EXPECTED[i][*j])
                .map(|(_, to)| to)
                .collect();
            assert_eq!(next_statuses(from), expected, "from {}", from.as_str());
        }
        assert!(next_statuses(LeadStatus::DoNotContact).is_empty());
    }

    #[test]
    fn same_status_is_refused_with_label() {
        assert_eq!(
            can_transition(LeadStatus::Qualified, LeadStatus::Qualified),
            Err("The lead is already Qualified.".to_string())
        );
        assert_eq!(
            can_transition(LeadStatus::DoNotContact, LeadStatus::DoNotContact),
            Err("The lead is already Do not contact.".to_string())
        );
    }

    #[test]
    fn backward_move_is_refused_naming_both() {
        assert_eq!(
            can_transition(LeadStatus::Quoted, LeadStatus::Contacted),
            Err("A lead cannot go back from Quoted to Contacted.".to_string())
        );
    }

    #[test]
    fn won_from_contacted_is_refused() {
        assert_eq!(
            can_transition(LeadStatus::Contacted, LeadStatus::Won),
            Err("A lead must be qualified or quoted before it can be won.".to_string())
        );
    }
}
