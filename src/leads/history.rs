//! A lead's history as a person reads it: people named (not by their e-mail address) from the ids
//! the events keep, and times inside the text in the viewer's zone. The rows stay as stored.

use std::collections::HashMap;

use chrono_tz::Tz;
use diesel::prelude::*;

use super::model::{self, EventRow};
use crate::dates;
use crate::db::schema::users;
use crate::db::DbConnection;

/// Names who did each thing and who a lead went to, and writes the follow-up due times in `tz`.
pub fn for_viewer(conn: &mut DbConnection, events: &mut [EventRow], tz: Tz) -> QueryResult<()> {
    let mut user_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut agent_ids: Vec<i64> = events.iter().filter_map(agent_of).collect();
    agent_ids.sort_unstable();
    agent_ids.dedup();
    let people: HashMap<i64, String> = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(&user_ids))
            .select((users::id, users::name))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
    let agents: HashMap<i64, String> = if agent_ids.is_empty() {
        HashMap::new()
    } else {
        model::agent_names(conn, &agent_ids)?.into_iter().collect()
    };
    for e in events.iter_mut() {
        name_people(e, &people, &agents);
        if e.kind == "task_added" {
            e.details = task_text(&e.details, tz);
        }
    }
    Ok(())
}

/// The agent an event is about (an assignment or an escalation), from its details.
fn agent_of(e: &EventRow) -> Option<i64> {
    if !matches!(e.kind.as_str(), "assigned" | "escalated") {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(&e.details)
        .ok()?
        .get("agent_id")?
        .as_i64()
}

fn name_people(e: &mut EventRow, people: &HashMap<i64, String>, agents: &HashMap<i64, String>) {
    if let Some(name) = e.actor_id.and_then(|id| people.get(&id)) {
        e.actor_label = name.clone();
    }
    let Some(name) = agent_of(e).and_then(|id| agents.get(&id)) else {
        return;
    };
    if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&e.details) {
        v["agent"] = serde_json::Value::String(name.clone());
        e.details = v.to_string();
    }
}

/// A lead's events, newest first, ready for the viewer in `tz` (see [`for_viewer`]).
pub fn of_lead(conn: &mut DbConnection, lead_id: i64, tz: Tz) -> QueryResult<Vec<EventRow>> {
    let mut events = model::events_of(conn, lead_id)?;
    for_viewer(conn, &mut events, tz)?;
    Ok(events)
}

/// "Call back (due 2026-12-03 15:30:00 UTC)" as stored, read as "Call back, due Dec 3, 2026
/// 10:30 AM EST" in the viewer's zone.
pub fn task_text(stored: &str, tz: Tz) -> String {
    let Some((title, rest)) = stored.rsplit_once(" (due ") else {
        return stored.to_string();
    };
    match rest.strip_suffix(')').and_then(dates::parse_stored_utc) {
        Some(due) => format!("{title}, due {}", dates::date_time(due, tz)),
        None => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, actor: Option<i64>, label: &str, details: &str) -> EventRow {
        EventRow {
            id: 1,
            lead_id: 1,
            actor_id: actor,
            actor_label: label.into(),
            kind: kind.into(),
            details: details.into(),
            created_at: crate::db::now(),
        }
    }

    #[test]
    fn people_are_named_from_their_ids() {
        let people = HashMap::from([(7, "Ana Ruiz".to_string())]);
        let agents = HashMap::from([(3, "Ana Ruiz".to_string())]);
        let mut e = event(
            "assigned",
            Some(7),
            "agent@sunbelt-demo.test",
            r#"{"agent_id":3,"agent":"agent@sunbelt-demo.test","by":"offer"}"#,
        );
        name_people(&mut e, &people, &agents);
        assert_eq!(e.actor_label, "Ana Ruiz");
        assert_eq!(crate::leads::view::describe(&e), "Assigned to Ana Ruiz.");
        // Someone since removed keeps the label the row was written with.
        let mut gone = event("note_added", Some(99), "old@sunbelt-demo.test", "hello");
        name_people(&mut gone, &people, &agents);
        assert_eq!(gone.actor_label, "old@sunbelt-demo.test");
    }

    #[test]
    fn follow_up_times_are_in_the_viewers_zone() {
        assert_eq!(
            task_text("Call back (due 2026-12-03 15:30:00 UTC)", chrono_tz::America::Chicago),
            "Call back, due Dec 3, 2026 9:30 AM CST"
        );
        assert_eq!(task_text("Call (due) back", chrono_tz::UTC), "Call (due) back");
    }
}
