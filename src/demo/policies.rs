//! The demo's book of business: carriers and their products, and a policy for each won lead, with
//! a history that reads like an agency's: applications submitted when the lead was won, Medicare
//! plans sold under a signed Scope of Appointment and ending with the plan year (so December's
//! renewals list is full), premiums paid on their due dates by most and missed by a few, a
//! cancellation or a lapse here and there, endorsements, renewal offers and decisions.
//!
//! The carriers are fictional (their NAIC codes too). The large data set's policies are planned
//! by the same [`plan`] and written in multi-row inserts by `large`.

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::leads::Rng;
use crate::db::schema::{
    carrier_products, carriers, contacts, leads, policies, policy_endorsements, policy_instalments,
    policy_payment_allocations, policy_payments, policy_renewals, soa_records,
};
use crate::db::{now, DbConnection};
use crate::domain::policy::{
    BillingFrequency, EndorsementKind, EnrollmentType, PaymentMethod, PolicySource, PolicyStatus, RenewalStatus,
    SoaMethod, SoaStatus,
};
use crate::domain::ProductLine;
use crate::error::AppError;
use crate::policies::model::{self as pm, NewEvent, NewPolicy};
use crate::policies::rules::Rules;

/// A fictional carrier: name, NAIC code, contact, and its products (name, line, sub-type).
struct CarrierSpec {
    name: &'static str,
    naic: &'static str,
    contact: (&'static str, &'static str, &'static str),
    prefix: &'static str,
    products: &'static [(&'static str, &'static str, Option<&'static str>)],
}

const CARRIERS: &[CarrierSpec] = &[
    CarrierSpec {
        name: "Gulf Coast Health Plans",
        naic: "95901",
        contact: ("Broker Services", "brokers@gulfcoast-demo.test", "(800) 555-0110"),
        prefix: "GCH",
        products: &[
            ("Gulf Coast Advantage HMO", "medicare_advantage", None),
            ("Gulf Coast Advantage PPO", "medicare_advantage", None),
            ("Gulf Coast Rx Saver (PDP)", "part_d", None),
        ],
    },
    CarrierSpec {
        name: "Liberty Oak Mutual",
        naic: "60917",
        contact: ("Agent Support", "agents@libertyoak-demo.test", "(800) 555-0127"),
        prefix: "LOM",
        products: &[
            ("Medigap Plan G", "medicare_supplement", None),
            ("Medigap Plan N", "medicare_supplement", None),
            ("Dental & Vision Plus", "dental_vision", None),
        ],
    },
    CarrierSpec {
        name: "Evergreen Life & Annuity",
        naic: "70925",
        contact: ("New Business", "newbusiness@evergreen-demo.test", "(800) 555-0135"),
        prefix: "EVL",
        products: &[
            ("Evergreen Term 20", "life", Some("life_term")),
            ("Evergreen Whole Life", "life", Some("life_whole")),
            ("Evergreen Final Expense", "final_expense", None),
        ],
    },
    CarrierSpec {
        name: "Sunshine State Health",
        naic: "80933",
        contact: ("Producer Relations", "producers@sunshine-demo.test", "(800) 555-0149"),
        prefix: "SSH",
        products: &[
            ("Silver PPO", "aca_health", Some("health_ppo")),
            ("Bronze HMO", "aca_health", Some("health_hmo")),
            ("Advantage Choice HMO", "medicare_advantage", None),
        ],
    },
    CarrierSpec {
        name: "Harborview Casualty",
        naic: "40941",
        contact: ("Agency Desk", "agency@harborview-demo.test", "(800) 555-0153"),
        prefix: "HVC",
        products: &[
            ("Personal Umbrella", "other", Some("other_umbrella")),
            ("Accident & Disability", "other", Some("other_disability")),
        ],
    },
];

/// A product on sale: carrier id, product id, the carrier's policy number prefix.
type OnSale = (i64, i64, &'static str);

/// The catalogue as written: for each product line, the products that sell it.
#[derive(Debug, Default)]
pub struct Catalogue {
    by_line: Vec<(ProductLine, Vec<OnSale>)>,
}

impl Catalogue {
    fn for_line(&self, line: ProductLine) -> &[OnSale] {
        self.by_line
            .iter()
            .find(|(l, _)| *l == line)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Writes the carriers and products (once: an agency that has carriers keeps them).
pub fn seed_catalogue(c: &mut DbConnection) -> Result<Catalogue, AppError> {
    let t = now();
    let mut cat = Catalogue::default();
    for spec in CARRIERS {
        let existing: Option<i64> = carriers::table
            .filter(carriers::name.eq(spec.name))
            .select(carriers::id)
            .first(c)
            .optional()?;
        let carrier = match existing {
            Some(id) => id,
            None => diesel::insert_into(carriers::table)
                .values((
                    carriers::name.eq(spec.name),
                    carriers::naic_code.eq(Some(spec.naic)),
                    carriers::contact_name.eq(spec.contact.0),
                    carriers::contact_email.eq(spec.contact.1),
                    carriers::contact_phone.eq(spec.contact.2),
                    carriers::active.eq(true),
                    carriers::created_at.eq(t),
                    carriers::updated_at.eq(t),
                ))
                .returning(carriers::id)
                .get_result(c)?,
        };
        for (name, line, sub) in spec.products {
            let existing: Option<i64> = carrier_products::table
                .filter(carrier_products::carrier_id.eq(carrier))
                .filter(carrier_products::name.eq(*name))
                .select(carrier_products::id)
                .first(c)
                .optional()?;
            let product = match existing {
                Some(id) => id,
                None => diesel::insert_into(carrier_products::table)
                    .values((
                        carrier_products::carrier_id.eq(carrier),
                        carrier_products::name.eq(*name),
                        carrier_products::product_line.eq(*line),
                        carrier_products::sub_type.eq(*sub),
                        carrier_products::active.eq(true),
                        carrier_products::created_at.eq(t),
                        carrier_products::updated_at.eq(t),
                    ))
                    .returning(carrier_products::id)
                    .get_result(c)?,
            };
            let line: ProductLine = line
                .parse()
                .map_err(|_| AppError::Internal(format!("demo line {line}")))?;
            match cat.by_line.iter_mut().find(|(l, _)| *l == line) {
                Some((_, v)) => v.push((carrier, product, spec.prefix)),
                None => cat.by_line.push((line, vec![(carrier, product, spec.prefix)])),
            }
        }
    }
    Ok(cat)
}

/// A won lead a policy is written for.
#[derive(Debug, Clone)]
pub struct WonLead {
    pub lead_id: i64,
    pub contact_id: i64,
    pub agent_id: i64,
    pub line: ProductLine,
    pub won_at: NaiveDateTime,
    pub first_name: String,
    pub last_name: String,
    pub state: String,
    pub city: String,
    pub zip: String,
}

/// Won leads with an agent, oldest first, from `after` (a lead id), at most `limit`.
pub fn won_leads(c: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<WonLead>, AppError> {
    type Row = (
        i64,
        i64,
        Option<i64>,
        String,
        Option<NaiveDateTime>,
        NaiveDateTime,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = leads::table
        .inner_join(contacts::table)
        .filter(leads::status.eq("won"))
        .filter(leads::assigned_agent_id.is_not_null())
        .filter(leads::id.gt(after))
        .order(leads::id.asc())
        .limit(limit)
        .select((
            leads::id,
            leads::contact_id,
            leads::assigned_agent_id,
            leads::product_line,
            leads::closed_at,
            leads::updated_at,
            contacts::first_name,
            contacts::last_name,
            contacts::state,
            contacts::city,
            contacts::zip,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(lead_id, contact_id, agent, line, closed, updated, first, last, state, city, zip)| {
                Some(WonLead {
                    lead_id,
                    contact_id,
                    agent_id: agent?,
                    line: line.parse().ok()?,
                    won_at: closed.unwrap_or(updated),
                    first_name: first,
                    last_name: last,
                    state: state.unwrap_or_else(|| "FL".into()),
                    city: city.unwrap_or_default(),
                    zip: zip.unwrap_or_default(),
                })
            },
        )
        .collect())
}

/// What becomes of a won lead's policy.
#[derive(Debug, Clone)]
pub struct Plan {
    pub policy: NewPolicy,
    /// When the application went in (the lead was won), was issued and took effect.
    pub submitted_at: NaiveDateTime,
    pub activated_at: Option<NaiveDateTime>,
    /// The last instalment that is paid (by its due date); None: none paid.
    pub paid_through: Option<NaiveDate>,
    pub cancel: Option<(String, NaiveDate)>,
    pub method: PaymentMethod,
}

fn medicare_term_end(effective_on: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(effective_on.year() + 1, 1, 1).unwrap_or(effective_on + Duration::days(365))
}

/// Plans the policy of a won lead (None when the catalogue sells nothing of its line).
pub(crate) fn plan(
    cat: &Catalogue,
    lead: &WonLead,
    seq: usize,
    today: NaiveDate,
    rules: &Rules,
    rng: &mut Rng,
) -> Option<Plan> {
    let products = cat.for_line(lead.line);
    if products.is_empty() {
        return None;
    }
    let (carrier_id, product_id, prefix) = *rng.pick(products);
    let submitted_at = lead.won_at;
    let submitted_on = submitted_at.date();
    // Coverage starts on the first of the next month (Medicare's rule for most enrolments).
    let effective_on = submitted_on
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .unwrap_or(submitted_on);
    let medicare = lead.line.is_medicare();
    let term_end_on = if medicare {
        medicare_term_end(effective_on)
    } else {
        effective_on.checked_add_months(Months::new(12)).unwrap_or(effective_on)
    };
    let (frequency, premium_cents) = match lead.line {
        ProductLine::MedicareAdvantage => (
            BillingFrequency::Monthly,
            [0, 0, 1_900, 2_900, 3_900][rng.below(5) as usize],
        ),
        ProductLine::MedicareSupplement => (BillingFrequency::Monthly, 11_800 + 100 * rng.below(140) as i64),
        ProductLine::PartD => (BillingFrequency::Monthly, 740 + 10 * rng.below(300) as i64),
        ProductLine::AcaHealth => (BillingFrequency::Monthly, 28_000 + 100 * rng.below(340) as i64),
        ProductLine::Life if rng.below(3) == 0 => (BillingFrequency::Annual, 42_000 + 100 * rng.below(700) as i64),
        ProductLine::Life => (BillingFrequency::Monthly, 3_500 + 25 * rng.below(220) as i64),
        ProductLine::FinalExpense => (BillingFrequency::Monthly, 4_500 + 25 * rng.below(200) as i64),
        ProductLine::DentalVision => (BillingFrequency::Quarterly, 9_900 + 100 * rng.below(60) as i64),
        _ => (BillingFrequency::SemiAnnual, 18_000 + 100 * rng.below(200) as i64),
    };
    let enrollment_type = medicare.then(|| match rng.below(10) {
        0..=5 => EnrollmentType::NewToMedicare,
        6..=8 => EnrollmentType::LikeForLike,
        _ => EnrollmentType::Unlike,
    });
    let lives = if lead.line == ProductLine::AcaHealth {
        1 + rng.below(4) as i32
    } else {
        1
    };
    // Most are in force; a few were cancelled or lapsed; those not yet effective wait for payment.
    let roll = rng.below(100);
    let grace = Duration::days(rules.grace_days);
    let (status, activated_at, paid_through, cancel) = if effective_on > today {
        let status = if roll < 15 {
            PolicyStatus::Draft
        } else {
            PolicyStatus::PendingPayment
        };
        (status, None, None, None)
    } else if roll < 4 {
        let on = (effective_on + Duration::days(40 + rng.below(60) as i64)).min(today);
        let reason = *rng.pick(&[
            "Moved out of the plan's service area",
            "Replaced by employer coverage",
            "Insured passed away",
            "Found a lower premium elsewhere",
        ]);
        (
            PolicyStatus::Cancelled,
            Some(effective_on.and_hms_opt(9, 0, 0)?),
            Some(on),
            Some((reason.to_string(), on)),
        )
    } else if roll < 7
        && premium_cents > 0
        && frequency == BillingFrequency::Monthly
        && effective_on + Duration::days(100) < today
    {
        // Paid the first two months, then stopped: lapsed once the grace period ran out.
        let last_paid = effective_on.checked_add_months(Months::new(frequency.months()))?;
        (
            PolicyStatus::Lapsed,
            Some(effective_on.and_hms_opt(9, 0, 0)?),
            Some(last_paid),
            None,
        )
    } else if roll < 12 && premium_cents > 0 {
        // A late payer: the latest instalment is unpaid but still within grace.
        (
            PolicyStatus::Active,
            Some(effective_on.and_hms_opt(9, 0, 0)?),
            Some(today - grace / 2),
            None,
        )
    } else {
        (
            PolicyStatus::Active,
            Some(effective_on.and_hms_opt(9, 0, 0)?),
            Some(today),
            None,
        )
    };
    let t = submitted_at;
    Some(Plan {
        policy: NewPolicy {
            contact_id: lead.contact_id,
            agent_id: lead.agent_id,
            carrier_id,
            product_id,
            lead_id: Some(lead.lead_id),
            soa_id: None,
            renewal_of_id: None,
            policy_number: format!("{prefix}-{}{:06}", submitted_on.year() % 100, 100_000 + seq),
            insured_name: format!("{} {}", lead.first_name, lead.last_name),
            status,
            product_line: lead.line,
            submitted_on,
            effective_on,
            term_end_on,
            premium_cents,
            billing_frequency: frequency,
            lives,
            plan_year: medicare.then(|| effective_on.year()),
            enrollment_type,
            coverage: String::new(),
            insured_street: format!("{} {}", 100 + rng.below(9800), rng.pick(&STREETS)),
            insured_city: lead.city.clone(),
            insured_state: lead.state.clone(),
            insured_zip: lead.zip.clone(),
            source: PolicySource::Lead,
            created_by: None,
            created_at: t,
            updated_at: activated_at.unwrap_or(t),
            status_changed_at: activated_at.unwrap_or(t),
        },
        submitted_at,
        activated_at,
        paid_through,
        cancel,
        method: *rng.pick(&[
            PaymentMethod::Bank,
            PaymentMethod::Bank,
            PaymentMethod::Card,
            PaymentMethod::Carrier,
        ]),
    })
}

const STREETS: [&str; 10] = [
    "Palm Ave",
    "Bayshore Blvd",
    "Oak St",
    "Magnolia Dr",
    "Cypress Ln",
    "Main St",
    "Lakeview Rd",
    "Orange Grove Ct",
    "Sunset Blvd",
    "Pine Ridge Way",
];

/// What the demo's book holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub policies: usize,
    pub payments: usize,
    pub endorsements: usize,
    pub soas: usize,
    pub renewals: usize,
    pub documents: usize,
}

/// The demo's book: a policy for each won lead of the small agency, with its SOA, schedule,
/// payments, and the occasional endorsement, cancellation, lapse and renewal decision.
pub fn seed(
    c: &mut DbConnection,
    rules: &Rules,
    store: &dyn crate::policies::storage::DocumentStore,
) -> Result<Seeded, AppError> {
    let cat = seed_catalogue(c)?;
    let today = now().date();
    let mut rng = Rng(0x9011_C1E5);
    let mut out = Seeded::default();
    let won = won_leads(c, 0, 100_000)?;
    for (seq, lead) in won.iter().enumerate() {
        let Some(mut plan) = plan(&cat, lead, seq, today, rules, &mut rng) else {
            continue;
        };
        if plan.policy.product_line.is_medicare() {
            plan.policy.soa_id = Some(write_soa(c, lead, rules, &mut rng)?);
            out.soas += 1;
        }
        let id = write_policy(c, &plan, rules)?;
        out.policies += 1;
        // An endorsement on about one in twelve policies in force for a while.
        let endorsed = plan.policy.status == PolicyStatus::Active
            && plan.policy.effective_on + Duration::days(75) < today
            && rng.below(12) == 0;
        if endorsed {
            endorse(c, id, &plan, &mut rng)?;
            out.endorsements += 1;
        }
        out.payments += pay(c, id, &plan)?;
        // The signed application on file for most policies past Draft, verified for many.
        if plan.policy.status != PolicyStatus::Draft && rng.below(3) != 0 {
            file_application(c, store, id, &plan, rng.below(3) != 0)?;
            out.documents += 1;
        }
        if renewal_decision(c, id, &plan, today, rules, &mut rng)? {
            out.renewals += 1;
        }
    }
    Ok(out)
}

/// A signed Scope of Appointment a few days before the lead was won.
fn write_soa(c: &mut DbConnection, lead: &WonLead, rules: &Rules, rng: &mut Rng) -> Result<i64, AppError> {
    let signed_at = lead.won_at - Duration::days(2 + rng.below(5) as i64) - Duration::hours(rng.below(5) as i64);
    let method = *rng.pick(&[
        SoaMethod::InPerson,
        SoaMethod::Phone,
        SoaMethod::Phone,
        SoaMethod::Electronic,
    ]);
    let (valid_until, retain_until) = crate::policies::soa::validity(signed_at, rules);
    let electronic = method == SoaMethod::Electronic;
    let id = diesel::insert_into(soa_records::table)
        .values((
            soa_records::contact_id.eq(lead.contact_id),
            soa_records::agent_id.eq(lead.agent_id),
            soa_records::lead_id.eq(Some(lead.lead_id)),
            soa_records::product_types.eq(match lead.line {
                ProductLine::PartD => "part_d",
                ProductLine::MedicareSupplement => "medicare_supplement,medicare_advantage",
                _ => "medicare_advantage,part_d",
            }),
            soa_records::method.eq(method),
            soa_records::status.eq(SoaStatus::Signed),
            soa_records::appointment_at.eq(Some(signed_at + Duration::days(1))),
            soa_records::signed_at.eq(Some(signed_at)),
            soa_records::valid_until.eq(Some(valid_until)),
            soa_records::retain_until.eq(retain_until),
            soa_records::signed_name.eq(Some(format!("{} {}", lead.first_name, lead.last_name))),
            soa_records::signed_text.eq(electronic.then(|| rules.soa_wording.clone())),
            soa_records::signed_ip.eq(electronic.then_some("203.0.113.24")),
            soa_records::signed_user_agent
                .eq(electronic.then_some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1")),
            soa_records::created_at.eq(signed_at - Duration::hours(1)),
            soa_records::updated_at.eq(signed_at),
        ))
        .returning(soa_records::id)
        .get_result(c)?;
    Ok(id)
}

fn event(
    c: &mut DbConnection,
    id: i64,
    kind: &str,
    from: Option<PolicyStatus>,
    to: Option<PolicyStatus>,
    details: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let e = NewEvent {
        policy_id: id,
        actor_id: None,
        actor_label: "Demo agency",
        kind,
        from_status: from,
        to_status: to,
        details,
    };
    pm::add_event_at(c, &e, at)?;
    Ok(())
}

/// The policy, its schedule, and its history up to its status.
fn write_policy(c: &mut DbConnection, plan: &Plan, rules: &Rules) -> Result<i64, AppError> {
    use PolicyStatus::*;
    let p = &plan.policy;
    let id = crate::policies::service::write_with_schedule(c, p)?;
    let issued = crate::policies::service::issued_details(p);
    event(c, id, "issued", None, Some(Draft), &issued, plan.submitted_at)?;
    if let Some(lead) = p.lead_id {
        let details = serde_json::json!({ "policy_id": id, "policy_number": p.policy_number }).to_string();
        crate::leads::model::add_event_at(
            c,
            lead,
            None,
            "Demo agency",
            "policy_recorded",
            &details,
            plan.submitted_at,
        )?;
    }
    if p.status == Draft {
        return Ok(id);
    }
    event(
        c,
        id,
        "submitted",
        Some(Draft),
        Some(PendingPayment),
        "{}",
        plan.submitted_at + Duration::hours(3),
    )?;
    let Some(active_at) = plan.activated_at else {
        return Ok(id);
    };
    let soa = p.soa_id.map_or(serde_json::Value::Null, serde_json::Value::from);
    event(
        c,
        id,
        "activated",
        Some(PendingPayment),
        Some(Active),
        &serde_json::json!({ "soa_id": soa }).to_string(),
        active_at,
    )?;
    match (p.status, &plan.cancel) {
        (Cancelled, Some((reason, on))) => {
            let details = serde_json::json!({ "reason": reason, "cancelled_on": on.to_string() }).to_string();
            event(
                c,
                id,
                "cancelled",
                Some(Active),
                Some(Cancelled),
                &details,
                on.and_hms_opt(10, 30, 0).unwrap_or(active_at),
            )?;
            diesel::update(policies::table.find(id))
                .set((
                    policies::cancel_reason.eq(Some(reason)),
                    policies::cancelled_on.eq(Some(*on)),
                ))
                .execute(c)?;
        }
        (Lapsed, _) => {
            let missed = plan
                .paid_through
                .and_then(|d| d.checked_add_months(Months::new(p.billing_frequency.months())))
                .unwrap_or(p.effective_on);
            let on = missed + Duration::days(rules.grace_days + 1);
            let details = serde_json::json!({ "missed_due": missed.to_string() }).to_string();
            event(
                c,
                id,
                "lapsed",
                Some(Active),
                Some(Lapsed),
                &details,
                on.and_hms_opt(6, 0, 0).unwrap_or(active_at),
            )?;
        }
        _ => {}
    }
    Ok(id)
}

/// A premium change or an address change part-way through the term, re-pricing what follows.
fn endorse(c: &mut DbConnection, id: i64, plan: &Plan, rng: &mut Rng) -> Result<(), AppError> {
    let p = &plan.policy;
    let on = p
        .effective_on
        .checked_add_months(Months::new(2))
        .unwrap_or(p.effective_on);
    let at = on.and_hms_opt(11, 0, 0).unwrap_or(plan.submitted_at);
    if p.premium_cents > 0 && rng.below(2) == 0 {
        let after = p.premium_cents + 500 * (1 + rng.below(4) as i64);
        // The instalments from the endorsement's date take the new amount; the delta kept is
        // the change to the term's scheduled total (as `policies::endorsements` keeps it).
        let repriced = diesel::update(policy_instalments::table)
            .filter(policy_instalments::policy_id.eq(id))
            .filter(policy_instalments::due_on.ge(on))
            .set(policy_instalments::amount_cents.eq(after))
            .execute(c)? as i64;
        let delta = (after - p.premium_cents) * repriced;
        diesel::insert_into(policy_endorsements::table)
            .values((
                policy_endorsements::policy_id.eq(id),
                policy_endorsements::kind.eq(EndorsementKind::Premium),
                policy_endorsements::effective_on.eq(on),
                policy_endorsements::description.eq("Rider added at the insured's request"),
                policy_endorsements::before_value.eq(crate::domain::money::decimal_cents(p.premium_cents)),
                policy_endorsements::after_value.eq(crate::domain::money::decimal_cents(after)),
                policy_endorsements::premium_delta_cents.eq(delta),
                policy_endorsements::created_at.eq(at),
            ))
            .execute(c)?;
        diesel::update(policies::table.find(id))
            .set(policies::premium_cents.eq(after))
            .execute(c)?;
        let details =
            serde_json::json!({ "kind": "premium", "effective_on": on.to_string(), "premium_delta_cents": delta })
                .to_string();
        event(c, id, "endorsed", None, None, &details, at)?;
    } else {
        let before = format!(
            "{}, {}, {} {}",
            p.insured_street, p.insured_city, p.insured_state, p.insured_zip
        );
        let street = format!("{} {}", 100 + rng.below(9800), rng.pick(&STREETS));
        let after = format!("{street}, {}, {} {}", p.insured_city, p.insured_state, p.insured_zip);
        diesel::insert_into(policy_endorsements::table)
            .values((
                policy_endorsements::policy_id.eq(id),
                policy_endorsements::kind.eq(EndorsementKind::Address),
                policy_endorsements::effective_on.eq(on),
                policy_endorsements::description.eq("The insured moved within the county"),
                policy_endorsements::before_value.eq(&before),
                policy_endorsements::after_value.eq(&after),
                policy_endorsements::premium_delta_cents.eq(0i64),
                policy_endorsements::created_at.eq(at),
            ))
            .execute(c)?;
        diesel::update(policies::table.find(id))
            .set(policies::insured_street.eq(&street))
            .execute(c)?;
        let details = serde_json::json!({ "kind": "address", "effective_on": on.to_string() }).to_string();
        event(c, id, "endorsed", None, None, &details, at)?;
    }
    Ok(())
}

/// One payment per instalment due up to the plan's paid-through date, on its due date, each
/// allocated to its instalment in full (so paid and outstanding add up to the schedule).
fn pay(c: &mut DbConnection, id: i64, plan: &Plan) -> Result<usize, AppError> {
    let Some(through) = plan.paid_through else {
        return Ok(0);
    };
    let due: Vec<(i64, NaiveDate, i64)> = policy_instalments::table
        .filter(policy_instalments::policy_id.eq(id))
        .filter(policy_instalments::due_on.le(through))
        .filter(policy_instalments::amount_cents.gt(0))
        .order(policy_instalments::seq.asc())
        .select((
            policy_instalments::id,
            policy_instalments::due_on,
            policy_instalments::amount_cents,
        ))
        .load(c)?;
    for (k, (inst, due_on, amount)) in due.iter().enumerate() {
        let at = due_on.and_hms_opt(14, 0, 0).unwrap_or(plan.submitted_at);
        let payment: i64 = diesel::insert_into(policy_payments::table)
            .values((
                policy_payments::policy_id.eq(id),
                policy_payments::amount_cents.eq(*amount),
                policy_payments::paid_on.eq(*due_on),
                policy_payments::method.eq(plan.method),
                policy_payments::reference.eq(format!("{}-{:02}", plan.policy.policy_number, k + 1)),
                policy_payments::created_at.eq(at),
            ))
            .returning(policy_payments::id)
            .get_result(c)?;
        diesel::insert_into(policy_payment_allocations::table)
            .values((
                policy_payment_allocations::payment_id.eq(payment),
                policy_payment_allocations::instalment_id.eq(*inst),
                policy_payment_allocations::amount_cents.eq(*amount),
            ))
            .execute(c)?;
        diesel::update(policy_instalments::table.find(*inst))
            .set((
                policy_instalments::paid_cents.eq(*amount),
                policy_instalments::updated_at.eq(at),
            ))
            .execute(c)?;
    }
    Ok(due.len())
}

/// For active policies inside the renewal window: the notice, and for some an offer, a decision.
fn renewal_decision(
    c: &mut DbConnection,
    id: i64,
    plan: &Plan,
    today: NaiveDate,
    rules: &Rules,
    rng: &mut Rng,
) -> Result<bool, AppError> {
    let p = &plan.policy;
    let notice_from = p.term_end_on - Duration::days(rules.renewal_notice_days);
    if p.status != PolicyStatus::Active || today < notice_from || today >= p.term_end_on {
        return Ok(false);
    }
    let notified = notice_from.and_hms_opt(6, 0, 0).unwrap_or(plan.submitted_at);
    let roll = rng.below(10);
    let (status, offered, decided) = match roll {
        0..=4 => (RenewalStatus::None, None, None),
        5..=6 => (
            RenewalStatus::Offered,
            Some(p.premium_cents + p.premium_cents / 20),
            None,
        ),
        7..=8 => (
            RenewalStatus::Renewed,
            Some(p.premium_cents + p.premium_cents / 25),
            Some(notified + Duration::days(12)),
        ),
        _ => (RenewalStatus::Declined, None, Some(notified + Duration::days(9))),
    };
    let new_end = p
        .term_end_on
        .checked_add_months(Months::new(12))
        .unwrap_or(p.term_end_on);
    let renewed_id = if status == RenewalStatus::Renewed {
        let mut next = p.clone();
        next.renewal_of_id = Some(id);
        next.lead_id = None;
        next.policy_number = format!("{}-R", p.policy_number);
        next.status = PolicyStatus::PendingPayment;
        next.source = PolicySource::Renewal;
        next.effective_on = p.term_end_on;
        next.term_end_on = new_end;
        next.submitted_on = decided.map_or(today, |d| d.date());
        next.premium_cents = offered.unwrap_or(p.premium_cents);
        next.plan_year = next.plan_year.map(|_| p.term_end_on.year());
        next.enrollment_type = next.enrollment_type.map(|_| EnrollmentType::LikeForLike);
        let at = decided.unwrap_or(notified);
        next.created_at = at;
        next.updated_at = at;
        next.status_changed_at = at;
        let renewal = Plan {
            policy: next,
            submitted_at: at,
            activated_at: None,
            paid_through: None,
            cancel: None,
            method: plan.method,
        };
        let new_id = write_policy(c, &renewal, rules)?;
        let details = serde_json::json!({ "renewed_policy_id": new_id }).to_string();
        event(c, id, "renewed", None, None, &details, at)?;
        Some(new_id)
    } else {
        None
    };
    diesel::insert_into(policy_renewals::table)
        .values((
            policy_renewals::policy_id.eq(id),
            policy_renewals::status.eq(status),
            policy_renewals::offered_premium_cents.eq(offered),
            policy_renewals::offered_term_end_on.eq(offered.map(|_| new_end)),
            policy_renewals::notified_at.eq(Some(notified)),
            policy_renewals::decided_at.eq(decided),
            policy_renewals::renewed_policy_id.eq(renewed_id),
            policy_renewals::decline_reason
                .eq((status == RenewalStatus::Declined).then_some("Moving to an employer plan")),
            policy_renewals::created_at.eq(notified),
            policy_renewals::updated_at.eq(decided.unwrap_or(notified)),
        ))
        .execute(c)?;
    Ok(true)
}

/// A one-page application summary as a PDF, kept in the document store and on the policy.
fn file_application(
    c: &mut DbConnection,
    store: &dyn crate::policies::storage::DocumentStore,
    id: i64,
    plan: &Plan,
    verified: bool,
) -> Result<(), AppError> {
    use sha2::{Digest, Sha256};
    let p = &plan.policy;
    let lines = [
        format!("Application summary - policy {}", p.policy_number),
        format!("Insured: {}", p.insured_name),
        format!(
            "Address: {}, {}, {} {}",
            p.insured_street, p.insured_city, p.insured_state, p.insured_zip
        ),
        format!(
            "Submitted {} - effective {} - term ends {}",
            p.submitted_on, p.effective_on, p.term_end_on
        ),
        format!(
            "Premium {} {}",
            crate::domain::money::format_cents(p.premium_cents),
            p.billing_frequency.label().to_lowercase()
        ),
        "Signed by the applicant. Demo document: not a real application.".to_string(),
    ];
    let bytes = one_page_pdf(&lines);
    let key = crate::policies::storage::new_key(id, "pdf");
    store
        .put(&key, &bytes)
        .map_err(|e| AppError::Internal(format!("demo document: {e}")))?;
    let at = plan.submitted_at + Duration::hours(1);
    let doc = crate::policies::model::papers::insert_document(
        c,
        &crate::policies::model::papers::NewDocument {
            policy_id: id,
            kind: crate::domain::policy::DocumentKind::Application,
            file_name: format!("application-{}.pdf", p.policy_number),
            content_type: "application/pdf".into(),
            size_bytes: bytes.len() as i64,
            storage_key: key,
            sha256: hex::encode(Sha256::digest(&bytes)),
            uploaded_by: None,
            created_at: at,
        },
    )?;
    let details = serde_json::json!({ "document_id": doc, "kind": "application", "file_name": format!("application-{}.pdf", p.policy_number) }).to_string();
    event(c, id, "document_added", None, None, &details, at)?;
    if verified {
        let later = at + Duration::days(1);
        crate::policies::model::papers::mark_verified(c, doc, None, later)?;
        event(c, id, "document_verified", None, None, &details, later)?;
    }
    Ok(())
}

/// A plain one-page PDF with a line of Helvetica per entry.
fn one_page_pdf(lines: &[String]) -> Vec<u8> {
    use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};
    let (catalog, tree, page, font, contents) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    {
        let mut pg = pdf.page(page);
        pg.media_box(Rect::new(0.0, 0.0, 612.0, 792.0));
        pg.parent(tree);
        pg.contents(contents);
        pg.resources().fonts().pair(Name(b"F1"), font);
    }
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    let mut content = Content::new();
    let mut y = 720.0;
    for line in lines {
        let ascii: Vec<u8> = line
            .chars()
            .map(|ch| if ch.is_ascii() { ch as u8 } else { b'?' })
            .collect();
        content.begin_text();
        content.set_font(Name(b"F1"), 12.0);
        content.next_line(72.0, y);
        content.show(Str(&ascii));
        content.end_text();
        y -= 22.0;
    }
    pdf.stream(contents, &content.finish());
    pdf.finish()
}
