//! Routing rules as the agency saved them: reading the active rules (kept in routing's caches
//! until a rule changes), saving, editing, reordering and switching them off, and trying a rule
//! on a sample lead before it is saved.

use std::sync::Arc;

use diesel::prelude::*;

use super::decide::decide;
use super::offers::STATE_KEY;
use super::{Caches, Conditions, Explanation, LeadToRoute, Pool, RoutingState, Rule, Strategy};
use crate::config::Settings;
use crate::db::schema::routing_rules;
use crate::db::{now, DbConnection};
use crate::error::AppError;
use crate::leads::model;

/// The rule used while the agency has defined none: everyone, in turn, within working hours.
pub fn default_rule() -> Rule {
    Rule {
        id: 0,
        name: "Everyone in turn (default)".into(),
        priority: i32::MAX,
        conditions: Conditions::default(),
        pool: Pool::Everyone,
        strategy: Strategy::RoundRobin,
        daily_cap: None,
        ignore_hours: false,
    }
}

pub fn rules(conn: &mut DbConnection) -> QueryResult<Vec<Rule>> {
    let defs: Vec<(i64, String)> = routing_rules::table
        .filter(routing_rules::active.eq(true))
        .select((routing_rules::id, routing_rules::definition))
        .load(conn)?;
    let mut out: Vec<Rule> = defs
        .into_iter()
        .filter_map(|(id, d)| {
            serde_json::from_str::<Rule>(&d).ok().map(|mut r| {
                r.id = id;
                r
            })
        })
        .collect();
    if out.is_empty() {
        out.push(default_rule());
    }
    Ok(out)
}

/// [`rules`], read again only when a rule changes (`config_version`).
pub fn rules_cached(conn: &mut DbConnection, caches: &Caches) -> QueryResult<Arc<Vec<Rule>>> {
    caches.rules.get_or_load(conn, |c| rules(c).map(Arc::new))
}

/// Saves a rule (its id is given by the database).
pub fn insert_rule(conn: &mut DbConnection, rule: &Rule) -> QueryResult<i64> {
    let t = now();
    diesel::insert_into(routing_rules::table)
        .values((
            routing_rules::definition.eq(serde_json::to_string(rule).unwrap_or_default()),
            routing_rules::active.eq(true),
            routing_rules::created_at.eq(t),
            routing_rules::updated_at.eq(t),
        ))
        .returning(routing_rules::id)
        .get_result(conn)
}

/// A saved rule and whether it is in use.
pub fn find_rule(conn: &mut DbConnection, id: i64) -> Result<(Rule, bool), AppError> {
    let (definition, active): (String, bool) = routing_rules::table
        .find(id)
        .select((routing_rules::definition, routing_rules::active))
        .first(conn)?;
    let mut rule: Rule = serde_json::from_str(&definition)
        .map_err(|e| AppError::Internal(format!("routing rule {id} cannot be read: {e}")))?;
    rule.id = id;
    Ok((rule, active))
}

/// The agency's own active rules (not the built-in default), in the order they are tried.
pub fn saved_rules(conn: &mut DbConnection) -> QueryResult<Vec<Rule>> {
    let mut all: Vec<Rule> = rules(conn)?.into_iter().filter(|r| r.id > 0).collect();
    all.sort_by_key(|r| (r.priority, r.id));
    Ok(all)
}

pub fn update_rule(conn: &mut DbConnection, id: i64, rule: &Rule) -> QueryResult<usize> {
    diesel::update(routing_rules::table.find(id))
        .set((
            routing_rules::definition.eq(serde_json::to_string(rule).unwrap_or_default()),
            routing_rules::updated_at.eq(now()),
        ))
        .execute(conn)
}

/// Takes a rule out of use. Offers made under it keep pointing at it, so it is never deleted.
pub fn deactivate_rule(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(routing_rules::table.find(id))
        .set((routing_rules::active.eq(false), routing_rules::updated_at.eq(now())))
        .execute(conn)
}

/// Moves a rule one place up (earlier) or down among the active rules; priorities are renumbered
/// 10, 20, 30… in the new order. Returns whether it moved.
pub fn move_rule(conn: &mut DbConnection, id: i64, up: bool) -> QueryResult<bool> {
    let mut all = saved_rules(conn)?;
    let Some(i) = all.iter().position(|r| r.id == id) else {
        return Ok(false);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|j| *j < all.len())
    };
    let Some(j) = j else {
        return Ok(false);
    };
    all.swap(i, j);
    for (n, rule) in all.iter_mut().enumerate() {
        let priority = (n as i32 + 1) * 10;
        if rule.priority != priority {
            rule.priority = priority;
            update_rule(conn, rule.id, rule)?;
        }
    }
    Ok(true)
}

/// What trying a rule on a sample lead found: the whole rule list runs, in order, with this rule
/// in its place.
pub struct Trial {
    /// The rule that catches the lead: its place in the list (1 for the first), id and name.
    pub caught_by: Option<(usize, i64, String)>,
    /// The tried rule's place in the list and its id there.
    pub place: usize,
    pub rule_id: i64,
    /// Why the tried rule does not fit the lead (empty when it fits).
    pub misfits: Vec<String>,
    /// Who the catching rule offers it to, and why.
    pub explanation: Explanation,
}

/// Who would get this lead right now if this rule were saved, and why: every active rule is
/// tried in order with this one in its place, so a higher rule that takes the lead first is
/// named. Nothing is saved and no turn is taken ("test this rule on a sample lead").
pub fn try_rule(
    conn: &mut DbConnection,
    rule: &Rule,
    lead: &LeadToRoute,
    settings: &Settings,
    caches: &Caches,
) -> QueryResult<Trial> {
    // The saved round-robin state is read, and the copy used here is thrown away.
    let mut state: RoutingState = model::get_setting(conn, STATE_KEY)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let ordered = super::with_rule_in_place(&saved_rules(conn)?, rule);
    let rule_id = if rule.id > 0 { rule.id } else { super::UNSAVED_RULE };
    let place = ordered.iter().position(|r| r.id == rule_id).map_or(0, |i| i + 1);
    let caught_by = super::catching_rule(&ordered, lead).map(|(n, r)| (n, r.id, r.name.clone()));
    let explanation = decide(
        conn,
        &ordered,
        lead,
        chrono::Utc::now(),
        &[],
        &mut state,
        settings,
        caches,
    )?;
    Ok(Trial {
        caught_by,
        place,
        rule_id,
        misfits: super::misfits(&rule.conditions, lead),
        explanation,
    })
}
