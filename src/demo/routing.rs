//! The demo agency's routing rules, written as an owner would write them.

use crate::audit::AuditActor;
use crate::db::DbConnection;
use crate::error::AppError;

/// Stores the rules (each audited as created) for the teams `south` and `north`.
pub(super) fn seed_rules(c: &mut DbConnection, who: &AuditActor, south: i64, north: i64) -> Result<(), AppError> {
    for rule in demo_rules(south, north) {
        let id = crate::routing::store::insert_rule(c, &rule)?;
        let details = serde_json::to_string(&rule).unwrap_or_default();
        crate::audit::record(c, who, "routing_rule.created", "routing_rule", Some(id), &details)?;
    }
    Ok(())
}

/// Rules a Sunbelt-style agency would write: Medicare in the South to the Medicare team, hot leads
/// to the best closers, the Great Lakes states to their team, and the rest to the nearest office.
fn demo_rules(south: i64, north: i64) -> Vec<crate::routing::Rule> {
    use crate::domain::ProductLine;
    use crate::routing::{Conditions, Pool, Rule, Strategy};
    vec![
        Rule {
            id: 0,
            name: "Hot leads to the best closers".into(),
            priority: 10,
            conditions: Conditions {
                min_score: Some(80),
                ..Default::default()
            },
            pool: Pool::Everyone,
            strategy: Strategy::BestPerformer {
                floor: 0.15,
                min_closed: 5,
            },
            daily_cap: Some(4),
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Medicare in the South to Sunbelt Medicare".into(),
            priority: 20,
            conditions: Conditions {
                products: vec![
                    ProductLine::MedicareAdvantage,
                    ProductLine::MedicareSupplement,
                    ProductLine::PartD,
                ],
                states: vec!["FL".into(), "GA".into(), "TX".into()],
                ..Default::default()
            },
            pool: Pool::Team(south),
            strategy: Strategy::RoundRobin,
            daily_cap: None,
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Great Lakes to Great Lakes Life".into(),
            priority: 30,
            conditions: Conditions {
                states: vec!["OH".into(), "MI".into(), "PA".into()],
                ..Default::default()
            },
            pool: Pool::Team(north),
            strategy: Strategy::LeastBusy,
            daily_cap: None,
            ignore_hours: false,
        },
        Rule {
            id: 0,
            name: "Everyone else to the nearest office".into(),
            priority: 40,
            conditions: Conditions::default(),
            pool: Pool::Everyone,
            strategy: Strategy::Closest,
            daily_cap: None,
            ignore_hours: false,
        },
    ]
}
