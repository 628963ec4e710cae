//! What only the policy pages need: the policy page's data, gathered in one read, and small
//! sentences for its sections.

use super::lifecycle::{self, Facts};
use super::model::{
    self, CarrierRow, DocumentRow, EndorsementRow, EventRow, InstalmentRow, PaymentRow, PolicyRow, ProductRow,
    RenewalRow, SoaRow,
};
use super::rules::Rules;
use super::service::{self, Viewer};
use crate::db::DbConnection;
use crate::domain::money::format_cents;
use crate::error::AppError;
use crate::leads::model::ContactRow;

/// Everything the policy page shows. Each section of the page (`templates/policies/_*.html`)
/// reads its part.
pub struct PolicyPage {
    pub policy: PolicyRow,
    pub contact: ContactRow,
    pub carrier: CarrierRow,
    pub product: ProductRow,
    pub agent_name: String,
    pub events: Vec<EventRow>,
    pub endorsements: Vec<EndorsementRow>,
    pub instalments: Vec<InstalmentRow>,
    pub payments: Vec<PaymentRow>,
    pub documents: Vec<DocumentRow>,
    pub renewal: Option<RenewalRow>,
    /// The Scope of Appointment the policy was sold under.
    pub soa: Option<SoaRow>,
    /// For a Medicare policy that names no SOA: the valid one between its insured and agent.
    pub valid_soa: Option<SoaRow>,
    pub medicare: bool,
    pub rules: Rules,
    /// The lifecycle moves the viewer may be offered (`lifecycle::Move::kind`).
    pub moves: Vec<&'static str>,
    pub today: chrono::NaiveDate,
    pub staff: bool,
    pub owner: bool,
    /// What was typed in an endorsement, payment or renewal form that came back with 422.
    pub money_typed: super::payments::Typed,
}

impl PolicyPage {
    pub fn load(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> Result<PolicyPage, AppError> {
        let policy = service::visible_policy(conn, viewer, id)?;
        let today = crate::db::now().date();
        let rules = service::rules(conn)?;
        let contact = crate::leads::model::find_contact(conn, policy.contact_id)?;
        let carrier = model::find_carrier(conn, policy.carrier_id)?;
        let product = model::find_product(conn, policy.product_id)?;
        let agent_name = crate::leads::model::agent_names(conn, &[policy.agent_id])?
            .into_iter()
            .next()
            .map(|(_, n)| n)
            .unwrap_or_default();
        let renewal = model::renewal(conn, id)?;
        let facts = Facts {
            status: policy.status,
            today,
            submitted_on: policy.submitted_on,
            effective_on: policy.effective_on,
            term_end_on: policy.term_end_on,
            renewal: renewal
                .as_ref()
                .map(|r| r.status)
                .unwrap_or(crate::domain::policy::RenewalStatus::None),
            oldest_missed_due: model::oldest_missed_due(conn, id, today)?,
            grace_days: rules.grace_days,
        };
        let soa = match policy.soa_id {
            Some(s) => Some(model::find_soa(conn, s)?),
            None => None,
        };
        let medicare = policy.product_line.is_medicare();
        let valid_soa = if soa.is_none() && medicare {
            model::papers::valid_soa_for(conn, policy.contact_id, policy.agent_id, crate::db::now())?
        } else {
            None
        };
        Ok(PolicyPage {
            valid_soa,
            medicare,
            moves: lifecycle::offered(&facts, viewer.who),
            events: model::events(conn, id)?,
            endorsements: model::endorsements(conn, id)?,
            instalments: model::instalments(conn, id)?,
            payments: model::payments(conn, id)?,
            documents: model::documents(conn, id)?,
            renewal,
            soa,
            rules,
            contact,
            carrier,
            product,
            agent_name,
            today,
            staff: viewer.is_staff(),
            owner: viewer.who == service::Who::Owner,
            money_typed: Default::default(),
            policy,
        })
    }

    pub fn premium(&self) -> String {
        format_cents(self.policy.premium_cents)
    }

    pub fn may(&self, kind: &str) -> bool {
        self.moves.contains(&kind)
    }

    /// The kinds a document may be uploaded as.
    pub fn document_kinds(&self) -> &'static [crate::domain::policy::DocumentKind] {
        crate::domain::policy::DocumentKind::ALL
    }

    /// A document's size for people: "820 KB", "2.4 MB".
    pub fn doc_size(&self, bytes: &i64) -> String {
        match *bytes {
            b if b < 1024 => format!("{b} bytes"),
            b if b < 1024 * 1024 => format!("{} KB", (b + 1023) / 1024),
            b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        }
    }

    /// One line of the history (see [`event_text`]).
    pub fn event_text(&self, e: &EventRow) -> String {
        event_text(e)
    }

    /// An SOA's product types, named.
    pub fn soa_types(&self, stored: &str) -> String {
        super::soa::type_labels(stored).join(", ")
    }
}

/// Dollars for templates.
pub fn money(cents: &i64) -> String {
    format_cents(*cents)
}

/// One line of a policy's history for people, from its kind and the details it recorded:
/// "Cancelled: Moved out of the service area (ends 2026-03-01)".
pub fn event_text(e: &EventRow) -> String {
    let d: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
    let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let cents = |k: &str| d.get(k).and_then(|v| v.as_i64()).map(format_cents);
    let mut s = match e.kind.as_str() {
        "issued" => match text("source").as_deref() {
            Some("lead") => "Recorded from the lead".to_string(),
            Some("import") => "Imported from a book of business".to_string(),
            Some("api") => "Recorded through the API".to_string(),
            Some("renewal") => "Recorded as the renewal of the previous term".to_string(),
            _ => "Recorded".to_string(),
        },
        "submitted" => "Application submitted; waiting for the first payment".to_string(),
        "activated" => "Activated".to_string(),
        "cancelled" => "Cancelled".to_string(),
        "lapsed" => "Lapsed: an instalment went unpaid past the grace period".to_string(),
        "expired" => "Expired at the end of its term".to_string(),
        "non_renewed" => "Ended without renewal".to_string(),
        "endorsed" => "Endorsed".to_string(),
        "payment_recorded" => "Payment recorded".to_string(),
        "renewal_due" => "Came due for renewal; the agent was notified".to_string(),
        "renewal_offered" => "Renewal offered".to_string(),
        "renewed" => "Renewed".to_string(),
        "renewal_declined" => "Renewal declined".to_string(),
        "document_added" => "Document added".to_string(),
        "document_verified" => "Document verified".to_string(),
        other => other.replace('_', " "),
    };
    let mut extra: Vec<String> = Vec::new();
    if let Some(r) = text("reason") {
        extra.push(r);
    }
    if let Some(on) = text("cancelled_on") {
        extra.push(format!("ends {on}"));
    }
    if let Some(on) = text("missed_due") {
        extra.push(format!("instalment due {on}"));
    }
    if let Some(r) = text("licence_override") {
        extra.push(format!("licence check overridden: {r}"));
    }
    if let Some(r) = text("soa_override") {
        extra.push(format!("without a valid SOA: {r}"));
    }
    if let (Some(b), Some(a)) = (text("before"), text("after")) {
        extra.push(format!("{b} → {a}"));
    }
    if let Some(m) = cents("amount_cents") {
        extra.push(m);
    }
    if let (Some(m), Some(end)) = (cents("premium_cents"), text("term_end_on")) {
        extra.push(format!("{m} a payment to {end}"));
    }
    if let Some(n) = text("policy_number").filter(|_| e.kind == "renewed") {
        extra.push(format!("new term {n}"));
    }
    if let Some(f) = text("file_name") {
        extra.push(f);
    }
    if !extra.is_empty() {
        s.push_str(": ");
        s.push_str(&extra.join("; "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, details: &str) -> EventRow {
        EventRow {
            id: 1,
            policy_id: 1,
            actor_id: None,
            actor_label: "Dana".into(),
            kind: kind.into(),
            from_status: None,
            to_status: None,
            details: details.into(),
            created_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn history_lines_say_what_happened_and_why() {
        assert_eq!(
            event_text(&ev(
                "cancelled",
                r#"{"reason":"Moved away","cancelled_on":"2026-03-01"}"#
            )),
            "Cancelled: Moved away; ends 2026-03-01"
        );
        assert_eq!(
            event_text(&ev("activated", r#"{"licence_override":"Licence in the mail"}"#)),
            "Activated: licence check overridden: Licence in the mail"
        );
        assert_eq!(
            event_text(&ev("payment_recorded", r#"{"amount_cents":12050}"#)),
            "Payment recorded: $120.50"
        );
        assert_eq!(
            event_text(&ev("issued", r#"{"source":"lead"}"#)),
            "Recorded from the lead"
        );
        assert_eq!(event_text(&ev("something_new", "not json")), "something new");
    }
}
