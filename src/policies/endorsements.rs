//! Changes to an active policy with their own effective date, before and after values and the
//! premium delta (item 6).
//!
//! An endorsement is kept as it was recorded (`policy_endorsements` is append-only); the policy
//! carries the current values. A premium change re-prices the instalments due from its
//! effective date that are not paid yet; instalments already paid (fully or in part beyond the
//! new amount) keep their amount, so the schedule still adds up to what is owed. Its premium
//! delta is what the change adds to (or takes from) the term's scheduled premium.

use actix_web::HttpResponse;
use chrono::NaiveDate;

use super::model::money::{self as queries, CurrentValues, NewEndorsement};
use super::model::{self, InstalmentRow, PolicyRow};
use super::payments::{field, parse_date, PolicyForm, Typed};
use super::service::{self, Viewer};
use super::view::PolicyPage;
use super::POLICY_USERS;
use crate::audit;
use crate::db::DbConnection;
use crate::domain::money::{decimal_cents, format_cents, parse_cents};
use crate::domain::policy::{EndorsementKind, PolicyStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::routes::{Access, Routes};

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.post("/policies/{id}/endorsements", Access::Roles(POLICY_USERS), create);
}

// ---- the rules (pure) ------------------------------------------------------------------------

/// A checked endorsement: what it changes, from when, and the values after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: EndorsementKind,
    pub effective_on: NaiveDate,
    pub description: String,
    pub after: CurrentValues,
}

/// The value an endorsement of this kind changes, as kept in its before/after columns.
pub fn value_of(kind: EndorsementKind, v: &CurrentValues) -> String {
    match kind {
        EndorsementKind::Premium => decimal_cents(v.premium_cents),
        EndorsementKind::Lives => v.lives.to_string(),
        EndorsementKind::Coverage => v.coverage.clone(),
        EndorsementKind::Address => {
            let parts: Vec<&str> = [v.street.as_str(), v.city.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            let place = format!("{} {}", v.state, v.zip).trim().to_string();
            if parts.is_empty() {
                place
            } else {
                format!("{}, {place}", parts.join(", "))
            }
        }
    }
}

/// Checks an endorsement form against the policy: an active policy, a kind, an effective date
/// within the term, and a new value that differs from the current one.
pub fn parse(f: &Typed, p: &PolicyRow) -> Result<Change, FieldErrors> {
    let mut e = FieldErrors::new();
    if p.status != PolicyStatus::Active {
        e.add(
            "kind",
            format!(
                "Endorsements change active policies; this one is {}.",
                p.status.label().to_lowercase()
            ),
        );
        return Err(e);
    }
    let Ok(kind) = field(f, "kind").parse::<EndorsementKind>() else {
        e.add("kind", "Choose what the endorsement changes.");
        return Err(e);
    };
    let effective_on = match parse_date(field(f, "effective_on"), "endorsement's effective date") {
        Ok(d) if d < p.effective_on || d >= p.term_end_on => {
            e.add("effective_on", "The endorsement takes effect within the policy's term.");
            None
        }
        Ok(d) => Some(d),
        Err(m) => {
            e.add("effective_on", m);
            None
        }
    };
    let description = match crate::text::clean_text(field(f, "description"), 1000) {
        Ok(t) => t,
        Err(err) => {
            e.add("description", err.message("description"));
            String::new()
        }
    };
    let before = CurrentValues::of(p);
    let mut after = before.clone();
    match kind {
        EndorsementKind::Premium => match parse_cents(field(f, "premium")) {
            Ok(c) => after.premium_cents = c,
            Err(m) => e.add("premium", m),
        },
        EndorsementKind::Lives => match field(f, "lives").parse::<i32>() {
            Ok(n) if (1..=999).contains(&n) => after.lives = n,
            _ => e.add("lives", "Give the number of lives covered after the change (1 to 999)."),
        },
        EndorsementKind::Coverage => {
            match crate::text::clean_text(field(f, "coverage"), 2000) {
                Ok(t) if !t.is_empty() => after.coverage = t,
                Ok(_) => e.add("coverage", "Give the coverage as it is after the change."),
                Err(err) => e.add("coverage", err.message("coverage")),
            }
            if description.is_empty() && !e.has("description") {
                e.add("description", "Describe the coverage change.");
            }
        }
        EndorsementKind::Address => {
            for (name, max, what) in [
                ("street", 200, "street"),
                ("city", 100, "city"),
                ("zip", 10, "ZIP code"),
            ] {
                match crate::text::clean_line(field(f, name), max) {
                    Ok(t) => match name {
                        "street" => after.street = t,
                        "city" => after.city = t,
                        _ => after.zip = t,
                    },
                    Err(err) => e.add(name, err.message(what)),
                }
            }
            match crate::domain::parse_state(field(f, "state")) {
                Ok(s) => after.state = s.to_string(),
                Err(_) => e.add("state", "Give the insured's state (two letters, e.g. FL)."),
            }
        }
    }
    if e.is_empty() && value_of(kind, &after) == value_of(kind, &before) {
        let name = match kind {
            EndorsementKind::Premium => "premium",
            EndorsementKind::Lives => "lives",
            EndorsementKind::Coverage => "coverage",
            EndorsementKind::Address => "street",
        };
        e.add(name, "This is the current value: nothing would change.");
    }
    match effective_on {
        Some(effective_on) if e.is_empty() => Ok(Change {
            kind,
            effective_on,
            description,
            after,
        }),
        _ => Err(e),
    }
}

/// The instalments a new premium re-prices from `effective_on`: those due on or after it that
/// are not fully paid and whose paid part fits in the new amount, with their new amounts; and
/// the change to the term's scheduled premium.
pub fn reprice(schedule: &[InstalmentRow], effective_on: NaiveDate, premium_cents: i64) -> (Vec<(i64, i64)>, i64) {
    let mut changed = Vec::new();
    let mut delta = 0;
    for i in schedule {
        let open = i.paid_cents < i.amount_cents && i.paid_cents <= premium_cents;
        if i.due_on >= effective_on && open && i.amount_cents != premium_cents {
            changed.push((i.id, premium_cents));
            delta += premium_cents - i.amount_cents;
        }
    }
    (changed, delta)
}

// ---- the change ------------------------------------------------------------------------------

/// Records an endorsement on a policy the viewer sees: the endorsement with its before and
/// after values, the policy's current values, the re-priced instalments, its history event and
/// audit entry, in the caller's transaction. Returns the sentence for the flash.
pub fn endorse(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    policy_id: i64,
    form: &Typed,
) -> Result<String, AppError> {
    queries::lock_policy(conn, policy_id)?;
    let p = service::visible_policy(conn, viewer, policy_id)?;
    let change = parse(form, &p).map_err(AppError::Validation)?;
    let before = CurrentValues::of(&p);
    let mut delta = 0;
    if change.kind == EndorsementKind::Premium {
        let schedule = model::instalments(conn, policy_id)?;
        let (changed, d) = reprice(&schedule, change.effective_on, change.after.premium_cents);
        for (id, amount) in changed {
            queries::set_instalment_amount(conn, id, amount)?;
        }
        delta = d;
    }
    let (before_value, after_value) = (value_of(change.kind, &before), value_of(change.kind, &change.after));
    let endorsement_id = queries::insert_endorsement(
        conn,
        &NewEndorsement {
            policy_id,
            kind: change.kind,
            effective_on: change.effective_on,
            description: &change.description,
            before_value: &before_value,
            after_value: &after_value,
            premium_delta_cents: delta,
            created_by: viewer.user_id,
        },
    )?;
    queries::set_current_values(conn, policy_id, &change.after)?;
    let details = serde_json::json!({
        "endorsement_id": endorsement_id,
        "kind": change.kind.as_str(),
        "effective_on": change.effective_on,
        "before": before_value,
        "after": after_value,
        "premium_delta_cents": delta,
    })
    .to_string();
    model::add_event(conn, &viewer.event(policy_id, "endorsed", &details))?;
    audit::record(
        conn,
        &viewer.audit(ip),
        "policy.endorsed",
        "policy",
        Some(policy_id),
        &format!(
            "{} {}: {before_value} → {after_value}",
            p.policy_number,
            change.kind.as_str()
        ),
    )?;
    Ok(match change.kind {
        EndorsementKind::Premium => format!(
            "The premium is {} from {}; the term's schedule changes by {}.",
            format_cents(change.after.premium_cents),
            crate::dates::date(change.effective_on),
            format_cents(delta)
        ),
        k => format!("The endorsement ({}) is recorded.", k.label().to_lowercase()),
    })
}

// ---- the policy page's section ---------------------------------------------------------------

impl PolicyPage {
    pub fn endorsement_kinds(&self) -> &'static [EndorsementKind] {
        EndorsementKind::ALL
    }

    pub fn may_endorse(&self) -> bool {
        self.policy.status == PolicyStatus::Active
    }

    /// Whether the form of this kind came back with errors (it opens, with what was typed).
    pub fn endorsement_open(&self, kind: &EndorsementKind) -> bool {
        self.money_typed.get("kind").map(String::as_str) == Some(kind.as_str())
    }

    /// A field of the endorsement form of this kind: what was typed when it came back, or the
    /// policy's current value.
    pub fn endorsement_value(&self, kind: &EndorsementKind, name: &str) -> String {
        if self.endorsement_open(kind) {
            return self.typed(name);
        }
        let p = &self.policy;
        match name {
            "effective_on" => self.today.clamp(p.effective_on, p.term_end_on).to_string(),
            "premium" => decimal_cents(p.premium_cents),
            "lives" => p.lives.to_string(),
            "coverage" => p.coverage.clone(),
            "street" => p.insured_street.clone(),
            "city" => p.insured_city.clone(),
            "state" => p.insured_state.clone(),
            "zip" => p.insured_zip.clone(),
            _ => String::new(),
        }
    }

    /// An endorsement's before or after value as people read it.
    pub fn endorsement_text(&self, kind: &EndorsementKind, value: &str) -> String {
        match kind {
            EndorsementKind::Premium => parse_cents(value)
                .map(format_cents)
                .unwrap_or_else(|_| value.to_string()),
            _ if value.is_empty() => "—".into(),
            _ => value.to_string(),
        }
    }
}

// ---- handlers --------------------------------------------------------------------------------

pub async fn create(form: PolicyForm) -> AppResult<HttpResponse> {
    form.submit(endorse, "endorsements").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inst(id: i64, due: &str, amount: i64, paid: i64) -> InstalmentRow {
        let at = d("2026-01-01").and_hms_opt(0, 0, 0).unwrap();
        InstalmentRow {
            id,
            policy_id: 1,
            seq: id as i32,
            due_on: d(due),
            amount_cents: amount,
            paid_cents: paid,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_premium_change_reprices_only_unpaid_instalments_from_its_date() {
        let s = [
            inst(1, "2026-01-01", 10_000, 10_000),
            inst(2, "2026-02-01", 10_000, 0),
            inst(3, "2026-03-01", 10_000, 10_000),
            inst(4, "2026-04-01", 10_000, 5_000),
            inst(5, "2026-05-01", 10_000, 0),
        ];
        // From February: 2 and 5 are re-priced, 4 keeps its paid part and takes the new amount,
        // 1 is before the date and 3 is paid.
        let (changed, delta) = reprice(&s, d("2026-02-01"), 12_000);
        assert_eq!(changed, vec![(2, 12_000), (4, 12_000), (5, 12_000)]);
        assert_eq!(delta, 6_000);
        // A lower premium than what was paid on an instalment leaves that one as it is.
        let (changed, delta) = reprice(&s, d("2026-02-01"), 4_000);
        assert_eq!(changed, vec![(2, 4_000), (5, 4_000)]);
        assert_eq!(delta, -12_000);
    }

    #[test]
    fn values_are_kept_as_people_read_them() {
        let v = CurrentValues {
            premium_cents: 12_345,
            lives: 2,
            coverage: "Term 20".into(),
            street: "1 Main St".into(),
            city: "Tampa".into(),
            state: "FL".into(),
            zip: "33601".into(),
        };
        assert_eq!(value_of(EndorsementKind::Premium, &v), "123.45");
        assert_eq!(value_of(EndorsementKind::Lives, &v), "2");
        assert_eq!(value_of(EndorsementKind::Address, &v), "1 Main St, Tampa, FL 33601");
    }
}
