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

    /// An SOA's product types, named.
    pub fn soa_types(&self, stored: &str) -> String {
        super::soa::type_labels(stored).join(", ")
    }
}

/// Dollars for templates.
pub fn money(cents: &i64) -> String {
    format_cents(*cents)
}
