//! What only the lead pages need: the list's rows and their wording (age, score band), the
//! list's query parsed into a filter, the assignment menu, the history timeline in sentences,
//! the tasks calendar and the bulk-assignment message.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::model::{self, ContactRow, EventRow, LeadFilter, LeadRow, LeadSort, TaskRow};
use super::pipeline::LeadStatus;
use super::service;
use crate::domain::ProductLine;
use crate::geo;
use crate::web::non_empty;

/// "just now", "45 min", "5 h", "3 d", "6 wk", "4 mo": how long a lead has waited, at a glance.
pub fn age_label(created: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = (now - created).num_minutes().max(0);
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min"),
        60..=1439 => format!("{} h", minutes / 60),
        1440..=20159 => format!("{} d", minutes / 1440),
        20160..=86399 => format!("{} wk", minutes / 10080),
        _ => format!("{} mo", minutes / 43200),
    }
}

/// The colour band of a lead score (0–100): hot from 80, warm from 50, cool below.
pub fn score_band(score: i32) -> &'static str {
    match score {
        80.. => "hot",
        50..=79 => "warm",
        _ => "cool",
    }
}

// ---- the list -------------------------------------------------------------------------------

/// One row of a lead list, as shown.
#[derive(Debug, Clone)]
pub struct LeadItem {
    pub lead: LeadRow,
    pub contact: ContactRow,
    pub agent: String,
    pub next: Vec<LeadStatus>,
}

impl LeadItem {
    pub fn status_label(&self) -> &'static str {
        self.lead.status.parse::<LeadStatus>().map(|s| s.label()).unwrap_or("?")
    }

    pub fn product_label(&self) -> &'static str {
        self.lead
            .product_line
            .parse::<ProductLine>()
            .map(|p| p.label())
            .unwrap_or("Other")
    }

    pub fn is_open(&self) -> bool {
        self.lead.status.parse::<LeadStatus>().is_ok_and(LeadStatus::is_open)
    }

    pub fn callable(&self) -> bool {
        !self.contact.do_not_call && self.lead.has_consent && self.contact.phone.is_some()
    }

    /// How long ago the lead came in, for the list's Age column.
    pub fn age(&self) -> String {
        age_label(self.lead.created_at, crate::db::now())
    }

    /// The score's colour band in the list.
    pub fn score_band(&self) -> &'static str {
        score_band(self.lead.score.unwrap_or(0))
    }
}

/// A lead list's rows with their agents' names and the statuses each may move to.
pub fn items(
    conn: &mut crate::db::DbConnection,
    rows: Vec<(LeadRow, ContactRow)>,
) -> diesel::QueryResult<Vec<LeadItem>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|(l, _)| l.assigned_agent_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = model::agent_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(lead, contact)| {
            let agent = lead
                .assigned_agent_id
                .and_then(|a| names.iter().find(|(id, _)| *id == a).map(|(_, n)| n.clone()))
                .unwrap_or_default();
            let next = lead
                .status
                .parse::<LeadStatus>()
                .map(super::pipeline::next_statuses)
                .unwrap_or_default();
            LeadItem {
                lead,
                contact,
                agent,
                next,
            }
        })
        .collect())
}

/// The lead list's query string as sent (the export reads the same one).
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct LeadQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub product: Option<String>,
    pub source: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub agent: Option<String>,
    pub near: Option<String>,
    pub radius: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
}

/// The query, checked: what is odd is dropped (and said), never an error page.
pub struct ParsedQuery {
    pub filter: LeadFilter,
    pub sort: LeadSort,
    pub after: Option<i64>,
    pub notes: Vec<String>,
    pub echo: Vec<(&'static str, String)>,
}

/// Midnight of `d` in `tz`, in UTC (the earlier one when it happens twice; `d`'s midnight taken
/// as UTC when the clock skips it).
pub fn local_midnight(tz: Tz, d: NaiveDate) -> NaiveDateTime {
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// Reads the list's query into a filter, a sort and a cursor; only `staff` may filter by agent.
pub fn parse_query(q: &LeadQuery, tz: Tz, staff: bool) -> ParsedQuery {
    let mut f = LeadFilter {
        q: non_empty(&q.q).map(|s| s.chars().take(100).collect()),
        ..Default::default()
    };
    let mut notes = Vec::new();
    let mut echo: Vec<(&'static str, String)> = Vec::new();
    if let Some(s) = &f.q {
        echo.push(("q", s.clone()));
    }
    if let Some(s) = non_empty(&q.status).and_then(|s| s.parse::<LeadStatus>().ok()) {
        f.status = Some(s.as_str().into());
        echo.push(("status", s.as_str().into()));
    }
    if let Some(p) = non_empty(&q.product).and_then(|p| p.parse::<ProductLine>().ok()) {
        f.product_line = Some(p.as_str().into());
        echo.push(("product", p.as_str().into()));
    }
    if let Some(s) = non_empty(&q.source) {
        f.source = Some(s.chars().take(100).collect());
        echo.push(("source", s.into()));
    }
    let date = |v: &Option<String>| non_empty(v).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if let Some(d) = date(&q.from) {
        f.created_from = Some(local_midnight(tz, d));
        echo.push(("from", d.to_string()));
    }
    if let Some(d) = date(&q.to) {
        f.created_to = Some(local_midnight(tz, d + chrono::Duration::days(1)));
        echo.push(("to", d.to_string()));
    }
    if staff {
        match non_empty(&q.agent) {
            Some("none") => {
                f.agent = Some(None);
                echo.push(("agent", "none".into()));
            }
            Some(a) => {
                if let Ok(id) = a.parse::<i64>() {
                    f.agent = Some(Some(id));
                    echo.push(("agent", id.to_string()));
                }
            }
            None => {}
        }
    }
    if let Some(zip) = non_empty(&q.near) {
        let miles = non_empty(&q.radius)
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| [10.0, 25.0, 50.0, 100.0].contains(r))
            .unwrap_or(25.0);
        match geo::lookup(zip) {
            Some(place) => {
                f.near = Some((place.lat, place.lon, miles));
                echo.push(("near", zip.chars().take(5).collect()));
                echo.push(("radius", format!("{miles}")));
            }
            None => notes.push(format!("ZIP {zip} is not one we know, so the distance filter is off.")),
        }
    }
    let sort = match non_empty(&q.sort) {
        Some("oldest") => {
            echo.push(("sort", "oldest".into()));
            LeadSort::Oldest
        }
        _ => LeadSort::Newest,
    };
    let after = non_empty(&q.after).and_then(|a| a.parse::<i64>().ok());
    ParsedQuery {
        filter: f,
        sort,
        after,
        notes,
        echo,
    }
}

/// `base` with the query the list echoes back and, when given, the cursor `after`.
pub fn url_with(base: &str, echo: &[(&'static str, String)], after: Option<i64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in echo {
        s.append_pair(k, v);
    }
    if let Some(a) = after {
        s.append_pair("after", &a.to_string());
    }
    let qs = s.finish();
    if qs.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{qs}")
    }
}

// ---- one lead -------------------------------------------------------------------------------

/// The assignment menu of a lead: the agents who may take it (routing's eligibility), then the
/// others with why not.
#[derive(Debug, Clone, Default)]
pub struct AgentChoices {
    pub eligible: Vec<(i64, String)>,
    /// `(agent, name, why not)`.
    pub ineligible: Vec<(i64, String, String)>,
}

impl AgentChoices {
    pub fn of(
        conn: &mut crate::db::DbConnection,
        settings: &crate::config::Settings,
        caches: &crate::routing::Caches,
        lead: &LeadRow,
        contact: &ContactRow,
        menu: Vec<(i64, String)>,
    ) -> diesel::QueryResult<AgentChoices> {
        let ids: Vec<i64> = menu.iter().map(|(id, _)| *id).collect();
        let verdicts = crate::routing::decide::hand_eligibility(conn, settings, caches, lead, contact, &ids)?;
        let mut out = AgentChoices::default();
        for ((id, name), (_, verdict)) in menu.into_iter().zip(verdicts) {
            match verdict {
                Ok(()) => out.eligible.push((id, name)),
                Err(why) => out.ineligible.push((id, name, why.why_not())),
            }
        }
        Ok(out)
    }
}

/// A history event in words.
pub fn describe(e: &EventRow) -> String {
    let v: serde_json::Value = serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null);
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    match e.kind.as_str() {
        "created" => format!(
            "Lead created from {} ({}).",
            s("source"),
            s("product_line").replace('_', " ")
        ),
        "attached" => format!(
            "The same person asked again through {}{}.",
            s("source"),
            if s("message").is_empty() {
                String::new()
            } else {
                format!(": “{}”", s("message"))
            }
        ),
        "status_changed" => format!(
            "Status changed from {} to {}.",
            s("from").replace('_', " "),
            s("to").replace('_', " ")
        ),
        "assigned" if !s("override_reason").is_empty() => format!(
            "Assigned to {} by the owner’s override, although {} Reason given: “{}”",
            s("agent"),
            lowercase_first(&s("not_eligible")),
            s("override_reason")
        ),
        "assigned" => format!("Assigned to {}.", s("agent")),
        "updated" => {
            let fields: Vec<String> = v
                .get("fields")
                .and_then(|f| f.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .map(|x| x.replace('_', " "))
                        .collect()
                })
                .unwrap_or_default();
            format!("Details corrected: {}.", fields.join(", "))
        }
        "note_added" => format!("Note: {}", e.details),
        "task_added" => format!("Follow-up planned: {}", e.details),
        "task_done" => format!("Follow-up done: {}", e.details),
        "consent_revoked" => format!("Consent revoked ({}); do not call.", e.details),
        "exported" => "Exported to CSV.".into(),
        "offered" => {
            let chosen = v.get("chosen").and_then(|c| c.as_i64());
            let rule = v
                .get("rule")
                .and_then(|r| r.get(1))
                .and_then(|n| n.as_str())
                .unwrap_or("");
            let name = v
                .get("ranking")
                .and_then(|r| r.as_array())
                .and_then(|r| r.iter().find(|x| x.get(0).and_then(|i| i.as_i64()) == chosen))
                .and_then(|x| x.get(1))
                .and_then(|n| n.as_str())
                .unwrap_or("an agent");
            format!("Offered to {name} by the rule “{rule}”.")
        }
        "unrouted" => format!(
            "Not offered: {}",
            v.get("unassigned_reason")
                .and_then(|r| r.as_str())
                .unwrap_or("no eligible agent")
        ),
        "declined" => format!("Offer declined: {}", e.details),
        "offer_expired" => "The offer ran out of time before the agent answered.".into(),
        "escalated" => format!(
            "Escalated to the owners: {} accepted it and had not contacted it after {} hours.",
            s("agent"),
            v.get("hours").and_then(|h| h.as_u64()).unwrap_or_default()
        ),
        "rerouted" => "Taken back from its agent and routed again.".into(),
        "policy_recorded" => format!("Policy {} recorded from this lead.", s("policy_number")),
        other => format!("{other}: {}", e.details),
    }
}

/// "The agent is…" → "the agent is…", to continue a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---- tasks ----------------------------------------------------------------------------------

/// A follow-up with its lead and contact, as the tasks page lists it.
pub type TaskItem = (TaskRow, LeadRow, ContactRow);

/// The tasks page's month calendar.
pub struct MonthView {
    pub first: NaiveDate,
    pub weeks: Vec<[Option<NaiveDate>; 7]>,
    pub tasks: Vec<(NaiveDate, TaskItem)>,
    pub today: NaiveDate,
}

impl MonthView {
    pub fn title(&self) -> String {
        self.first.format("%B %Y").to_string()
    }
    pub fn link(d: NaiveDate) -> String {
        format!("/tasks?view=calendar&month={}", d.format("%Y-%m"))
    }
    pub fn previous(&self) -> String {
        Self::link(super::agenda::previous_month(self.first))
    }
    pub fn next(&self) -> String {
        Self::link(super::agenda::next_month(self.first))
    }
    pub fn on(&self, d: &NaiveDate) -> Vec<&TaskItem> {
        self.tasks.iter().filter(|(day, _)| day == d).map(|(_, t)| t).collect()
    }
    pub fn day_label(d: &NaiveDate) -> String {
        crate::dates::date(*d)
    }
}

/// The end of the viewer's day in UTC: follow-ups due before it are "due" on the tasks page and
/// in the home page's count, which both use it so they cannot disagree.
pub fn end_of_local_day(tz: Tz) -> NaiveDateTime {
    let local_today = chrono::Utc::now().with_timezone(&tz).date_naive();
    local_midnight(tz, local_today + chrono::Duration::days(1))
}

// ---- bulk actions ---------------------------------------------------------------------------

/// "3 lead(s) assigned. 2 skipped: …", naming at most [`SKIPPED_NAMED`] skipped leads.
pub fn bulk_assigned_message(done: &service::BulkAssigned) -> String {
    let mut msg = format!("{} lead(s) assigned.", done.assigned);
    if !done.skipped.is_empty() {
        let named: Vec<String> = done
            .skipped
            .iter()
            .take(SKIPPED_NAMED)
            .map(|(lead, why)| format!("{lead} ({why})"))
            .collect();
        msg.push_str(&format!(
            " {} skipped because the agent cannot take them: {}",
            done.skipped.len(),
            named.join("; ")
        ));
        if done.skipped.len() > SKIPPED_NAMED {
            msg.push_str(&format!("; and {} more", done.skipped.len() - SKIPPED_NAMED));
        }
        msg.push_str(". Assign those one by one from each lead's page.");
    }
    msg
}

/// Skipped leads a bulk assignment names in its message; the rest are counted.
const SKIPPED_NAMED: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn ages_read_at_a_glance() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let ago = |m: i64| age_label(now - Duration::minutes(m), now);
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(45), "45 min");
        assert_eq!(ago(5 * 60 + 10), "5 h");
        assert_eq!(ago(3 * 1440), "3 d");
        assert_eq!(ago(20 * 1440), "2 wk");
        assert_eq!(ago(130 * 1440), "4 mo");
    }

    #[test]
    fn score_bands() {
        assert_eq!(score_band(95), "hot");
        assert_eq!(score_band(80), "hot");
        assert_eq!(score_band(79), "warm");
        assert_eq!(score_band(50), "warm");
        assert_eq!(score_band(12), "cool");
    }
}
