//! How a team hands its referrals to its members (item 7): one of the routing engine's
//! strategies, chosen by the team's leader or staff, applied to the members who take referrals,
//! each described by their referral load and record as the engine's candidates.
//!
//! Closest is not offered: members have no location to measure from.

use crate::routing::{Candidate, LeadToRoute, Pool, Rule, Strategy};

/// The strategies a team may use: (key, label).
pub const CHOICES: [(&str, &str); 4] = [
    ("round_robin", "Each member in turn"),
    ("weighted", "By shares in percent"),
    ("least_busy", "The member with the fewest open referrals"),
    ("best_performer", "The member who converts the most of their referrals"),
];

/// Answered referrals a member needs before their own conversion rate counts; below it they are
/// counted at the team's overall rate.
pub const MIN_ANSWERED: u32 = 3;

/// The strategy a team stored (the engine's JSON); round-robin when there is none or it cannot
/// be read.
pub fn stored(json: &str) -> Strategy {
    serde_json::from_str(json).unwrap_or(Strategy::RoundRobin)
}

/// The form's key for a strategy.
pub fn key(s: &Strategy) -> &'static str {
    match s {
        Strategy::RoundRobin | Strategy::Closest => "round_robin",
        Strategy::Weighted(_) => "weighted",
        Strategy::LeastBusy => "least_busy",
        Strategy::BestPerformer { .. } => "best_performer",
    }
}

/// Weighted shares as the form shows them: "12:60, 15:40".
pub fn shares_text(s: &Strategy) -> String {
    match s {
        Strategy::Weighted(shares) => shares
            .iter()
            .map(|(id, pct)| format!("{id}:{pct}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// One sentence for the team page.
pub fn describe(s: &Strategy, name_of: impl Fn(i64) -> String) -> String {
    match s {
        Strategy::RoundRobin | Strategy::Closest => "Referrals to this team go to each member in turn.".into(),
        Strategy::Weighted(shares) => format!(
            "Referrals to this team are shared by percent: {}.",
            shares
                .iter()
                .map(|(id, pct)| format!("{} {pct} %", name_of(*id)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Strategy::LeastBusy => "Referrals to this team go to the member with the fewest open referrals.".into(),
        Strategy::BestPerformer { .. } => format!(
            "Referrals to this team go to the member who converts the most of their referrals \
             (a member with fewer than {MIN_ANSWERED} answered referrals counts at the team's overall rate)."
        ),
    }
}

/// Reads the form: the strategy's key and, for weighted, "member id:percent" pairs for members of
/// the team, each 1 to 100 and together exactly 100. An error names its field.
pub fn parse(kind: &str, shares: &str, members: &[i64]) -> Result<Strategy, (&'static str, String)> {
    match kind.trim() {
        "" | "round_robin" => Ok(Strategy::RoundRobin),
        "least_busy" => Ok(Strategy::LeastBusy),
        "best_performer" => Ok(Strategy::BestPerformer {
            floor: 0.0,
            min_closed: MIN_ANSWERED,
        }),
        "weighted" => {
            let mut out: Vec<(i64, u32)> = Vec::new();
            for item in shares.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let bad = || {
                    (
                        "shares",
                        format!("\"{item}\" should be a member id and a percent, as 12:60."),
                    )
                };
                let (id, pct) = item.split_once(':').ok_or_else(bad)?;
                let id: i64 = id.trim().parse().map_err(|_| bad())?;
                let pct: u32 = pct.trim().trim_end_matches('%').trim().parse().map_err(|_| bad())?;
                if !members.contains(&id) {
                    return Err(("shares", format!("Member {id} is not in this team.")));
                }
                if out.iter().any(|(m, _)| *m == id) {
                    return Err(("shares", format!("Member {id} is named twice.")));
                }
                if !(1..=100).contains(&pct) {
                    return Err(("shares", "Each share is a whole percent from 1 to 100.".into()));
                }
                out.push((id, pct));
            }
            let total: u32 = out.iter().map(|(_, p)| p).sum();
            if out.is_empty() {
                Err(("shares", "Give at least one member a share, as 12:60, 15:40.".into()))
            } else if total != 100 {
                Err((
                    "shares",
                    format!("The shares add up to {total} %; they must add up to 100 %."),
                ))
            } else {
                Ok(Strategy::Weighted(out))
            }
        }
        _ => Err(("strategy", "Choose how the team shares its referrals.".into())),
    }
}

/// The engine's rule for a team: its members, its strategy, no hours or caps.
pub fn rule(team_id: i64, name: &str, strategy: Strategy) -> Rule {
    Rule {
        id: team_id,
        name: name.to_string(),
        priority: 0,
        conditions: Default::default(),
        pool: Pool::Team(team_id),
        strategy,
        daily_cap: None,
        ignore_hours: true,
    }
}

/// A referral as the engine sees a lead: nothing about it narrows who may take it (the person's
/// consent was checked before).
pub fn referral_lead() -> LeadToRoute {
    LeadToRoute {
        lead_id: 0,
        product: crate::domain::ProductLine::Other,
        state: None,
        source: "referral".into(),
        score: 0,
        tags: Vec::new(),
        language: None,
        lat: None,
        lon: None,
        callable: true,
    }
}

/// A member's referral load and record, as the strategies weigh it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    /// Referrals waiting for them or accepted and not converted yet.
    pub open: u32,
    /// Referrals they received today.
    pub today: u32,
    /// Referrals they converted.
    pub converted: u32,
    /// Referrals they answered to an end: converted, declined or let expire.
    pub answered: u32,
}

/// The engine's candidate for a member who takes referrals: no working hours, caps, licences or
/// location apply to a referral, only the load and the record.
pub fn candidate(id: i64, name: &str, team_id: i64, load: Load) -> Candidate {
    Candidate {
        agent_id: id,
        name: name.to_string(),
        active: true,
        trainee: false,
        accepting_leads: true,
        time_zone: chrono_tz::UTC,
        hours: Default::default(),
        leads_today: load.today,
        leads_per_day: u32::MAX,
        open_leads: load.open,
        max_open_leads: u32::MAX,
        languages: Vec::new(),
        facts: crate::agents::readiness::AgentFacts {
            active: true,
            licences: Vec::new(),
            certifications: Vec::new(),
        },
        team_id: Some(team_id),
        lat: None,
        lon: None,
        conversion: Some((load.converted, load.answered)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{choose, RoutingState};

    fn pick(strategy: Strategy, members: &[(i64, Load)], state: &mut RoutingState) -> i64 {
        let c: Vec<Candidate> = members.iter().map(|&(id, l)| candidate(id, "M", 7, l)).collect();
        let refs: Vec<&Candidate> = c.iter().collect();
        choose(&rule(7, "Team", strategy), &refs, &referral_lead(), state)
            .map(|(id, _)| id)
            .unwrap_or(0)
    }

    #[test]
    fn forms_read_into_strategies() {
        let team = [12, 15];
        assert_eq!(parse("round_robin", "", &team), Ok(Strategy::RoundRobin));
        assert_eq!(parse("", "", &team), Ok(Strategy::RoundRobin));
        assert_eq!(parse("least_busy", "", &team), Ok(Strategy::LeastBusy));
        assert_eq!(
            parse("weighted", "12:60, 15 : 40 %", &team),
            Ok(Strategy::Weighted(vec![(12, 60), (15, 40)]))
        );
        assert!(matches!(
            parse("best_performer", "", &team),
            Ok(Strategy::BestPerformer {
                min_closed: MIN_ANSWERED,
                ..
            })
        ));
        let s = parse("weighted", "12:60,15:40", &team).unwrap_or(Strategy::LeastBusy);
        assert_eq!(shares_text(&s), "12:60, 15:40");
        assert_eq!(key(&s), "weighted");
        assert_eq!(stored(&serde_json::to_string(&s).unwrap_or_default()), s);
        assert_eq!(stored("not json"), Strategy::RoundRobin);
    }

    #[test]
    fn bad_forms_name_their_field() {
        let team = [12, 15];
        let err = |k: &str, s: &str| parse(k, s, &team).err().map(|e| e.1).unwrap_or_default();
        assert_eq!(
            err("weighted", "12:60, 15:30"),
            "The shares add up to 90 %; they must add up to 100 %."
        );
        assert_eq!(err("weighted", "12:60, 99:40"), "Member 99 is not in this team.");
        assert_eq!(err("weighted", "12:60, 12:40"), "Member 12 is named twice.");
        assert_eq!(
            err("weighted", "12:0, 15:100"),
            "Each share is a whole percent from 1 to 100."
        );
        assert_eq!(
            err("weighted", "twelve"),
            "\"twelve\" should be a member id and a percent, as 12:60."
        );
        assert_eq!(
            err("weighted", " "),
            "Give at least one member a share, as 12:60, 15:40."
        );
        assert_eq!(parse("closest", "", &team).err().map(|e| e.0), Some("strategy"));
    }

    #[test]
    fn each_strategy_picks_by_the_members_figures() {
        let busy = Load {
            open: 5,
            today: 2,
            converted: 1,
            answered: 10,
        };
        let idle = Load {
            open: 1,
            today: 0,
            converted: 6,
            answered: 8,
        };
        let members = [(12, busy), (15, idle)];
        let mut s = RoutingState::default();
        assert_eq!(pick(Strategy::LeastBusy, &members, &mut s), 15);
        let best = parse("best_performer", "", &[12, 15]).unwrap_or(Strategy::RoundRobin);
        assert_eq!(pick(best, &members, &mut s), 15, "6 of 8 beats 1 of 10");
        // Round-robin moves on from the last one chosen.
        assert_eq!(pick(Strategy::RoundRobin, &members, &mut s), 12);
        assert_eq!(pick(Strategy::RoundRobin, &members, &mut s), 15);
        assert_eq!(pick(Strategy::RoundRobin, &members, &mut s), 12);
        // Weighted 75/25: three of every four go to 12, with the state carried between picks.
        let w = Strategy::Weighted(vec![(12, 75), (15, 25)]);
        let mut s = RoutingState::default();
        let picks: Vec<i64> = (0..8).map(|_| pick(w.clone(), &members, &mut s)).collect();
        assert_eq!(picks.iter().filter(|&&id| id == 12).count(), 6);
        assert_eq!(picks.iter().filter(|&&id| id == 15).count(), 2);
    }

    #[test]
    fn sentences_name_the_members() {
        let w = Strategy::Weighted(vec![(12, 60), (15, 40)]);
        let names = |id: i64| if id == 12 { "Ana".to_string() } else { "Ben".to_string() };
        assert_eq!(
            describe(&w, names),
            "Referrals to this team are shared by percent: Ana 60 %, Ben 40 %."
        );
        assert!(describe(&Strategy::RoundRobin, names).contains("each member in turn"));
    }
}
