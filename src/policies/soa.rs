//! Scope of Appointment records for Medicare (item 10): the list, recording one (signed in person
//! or by phone, or sent for an electronic signature), the record's page, and the one-time
//! e-signature link e-mailed to the beneficiary (the page it opens is in `soa_sign`).
//!
//! Validity and retention come from the rules (`soa_valid_months`, `soa_retention_years`), the
//! link's life from `soa_link_hours`, the text signed from `soa_wording`. Only the link's SHA-256
//! is stored; the link works once.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, Months, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::model::papers::{self, NewSoa, SoaListRow};
use super::model::{self as policy_model, SoaRow};
use super::rules::Rules;
use super::service::{self, Viewer};
use super::POLICY_USERS;
use crate::audit;
use crate::auth::tokens;
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::domain::policy::{SoaMethod, SoaStatus};
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::{self, EmailJob};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, RateLimit, Routes};
use crate::web::{redirect_with, render, render_status, AppState};

/// The public signing page's POSTs share the public forms' rate limit.
pub const PUBLIC_PATHS: &[&str] = &["/soa/sign/{token}"];

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/soa", Access::Roles(POLICY_USERS), index)
        .post("/soa", Access::Roles(POLICY_USERS), create_soa)
        .get("/soa/new", Access::Roles(POLICY_USERS), new_form)
        .get("/soa/sign/{token}", Access::Public, super::soa_sign::sign_form)
        .post("/soa/sign/{token}", Access::Public, super::soa_sign::sign)
        .get("/soa/{id}", Access::Roles(POLICY_USERS), show)
        .post("/soa/{id}/link", Access::Roles(POLICY_USERS), resend_link);
    r.limit_posts(PUBLIC_PATHS, RateLimit::PublicForm);
}

/// The product types a beneficiary may agree to discuss (CMS model SOA's categories that the
/// agency's product lines have).
pub const SOA_TYPES: &[ProductLine] = &[
    ProductLine::MedicareAdvantage,
    ProductLine::PartD,
    ProductLine::MedicareSupplement,
    ProductLine::DentalVision,
];

// ---- pure ---------------------------------------------------------------------------------------

/// Until when an SOA signed at `signed_at` is valid, and until when it is kept.
pub fn validity(signed_at: NaiveDateTime, rules: &Rules) -> (NaiveDateTime, NaiveDate) {
    let valid_until = signed_at
        .checked_add_months(Months::new(rules.soa_valid_months))
        .unwrap_or(NaiveDateTime::MAX);
    (valid_until, retention(signed_at.date(), rules))
}

/// Until when a record made or signed on `from` is kept.
pub fn retention(from: NaiveDate, rules: &Rules) -> NaiveDate {
    from.checked_add_months(Months::new(12 * rules.soa_retention_years))
        .unwrap_or(NaiveDate::MAX)
}

/// The stored product types (comma-separated keys) as names.
pub fn type_labels(stored: &str) -> Vec<&'static str> {
    stored
        .split(',')
        .filter_map(|k| k.trim().parse::<ProductLine>().ok())
        .map(|p| p.label())
        .collect()
}

/// The text the beneficiary reads and signs: the rule's wording with `{agent}`, `{agency}` and
/// `{products}` filled in.
pub fn wording(rules: &Rules, agent: &str, agency: &str, product_types: &str) -> String {
    let products = type_labels(product_types).join(", ");
    rules
        .soa_wording
        .replace("{agent}", agent)
        .replace("{agency}", agency)
        .replace("{products}", &products)
}

/// Where a signing link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Open,
    Used,
    Expired,
}

pub fn link_state(soa: &SoaRow, at: NaiveDateTime) -> LinkState {
    if soa.token_used_at.is_some() || soa.status != SoaStatus::AwaitingSignature {
        LinkState::Used
    } else if soa.token_expires_at.is_none_or(|t| t < at) {
        LinkState::Expired
    } else {
        LinkState::Open
    }
}

// ---- the form -----------------------------------------------------------------------------------

/// The SOA form as typed (kept on a 422).
#[derive(Debug, Clone, Default)]
pub struct SoaForm {
    pub contact_id: String,
    pub agent_id: String,
    pub lead_id: String,
    pub product_types: Vec<String>,
    pub method: String,
    pub signed_at: String,
    pub appointment_at: String,
}

impl SoaForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> SoaForm {
        let mut f = SoaForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "contact_id" => f.contact_id = v.clone(),
                "agent_id" => f.agent_id = v.clone(),
                "lead_id" => f.lead_id = v.clone(),
                "product_types" => f.product_types.push(v.clone()),
                "method" => f.method = v.clone(),
                "signed_at" => f.signed_at = v.clone(),
                "appointment_at" => f.appointment_at = v.clone(),
                _ => {}
            }
        }
        f
    }

    pub fn has_type(&self, key: &str) -> bool {
        self.product_types.iter().any(|t| t == key)
    }
}

/// A `datetime-local` value typed in `tz`, in UTC.
fn local_time(raw: &str, tz: Tz) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|local| tz.from_local_datetime(&local).earliest())
        .map(|t| t.naive_utc())
}

fn id_of(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// What the sender needs to word the e-mail.
pub struct Sender<'a> {
    pub base_url: &'a str,
    pub agency: &'a str,
}

/// Records an SOA: signed (in person, by phone) with its validity from the rules, or awaiting an
/// electronic signature with its one-time link e-mailed to the beneficiary. Every field checked
/// at once; the audit entry in the same transaction.
pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    form: &SoaForm,
    tz: Tz,
    sender: &Sender<'_>,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let rules = service::rules(conn)?;
    let at = now();

    let contact = match id_of(&form.contact_id) {
        Some(id) if papers::contact_visible(conn, &viewer.scope, id)? => {
            match crate::leads::model::find_contact(conn, id) {
                Ok(c) => Some(c),
                Err(diesel::result::Error::NotFound) => None,
                Err(other) => return Err(other.into()),
            }
        }
        _ => None,
    };
    if contact.is_none() {
        e.add("contact_id", "Choose the beneficiary.");
    }
    let agent_id = match id_of(&form.agent_id).or(if viewer.is_staff() { None } else { viewer.own_agent_id }) {
        Some(id)
            if viewer.may_see_agent(id)
                && papers::agent_choices(conn, &viewer.scope)?
                    .iter()
                    .any(|(a, _)| *a == id) =>
        {
            Some(id)
        }
        Some(_) => {
            e.add("agent_id", "You can record an SOA only for yourself and your team.");
            None
        }
        None => {
            e.add("agent_id", "Choose the agent.");
            None
        }
    };
    let mut types: Vec<&'static str> = Vec::new();
    for t in &form.product_types {
        match SOA_TYPES.iter().find(|p| p.as_str() == t.trim()) {
            Some(p) if !types.contains(&p.as_str()) => types.push(p.as_str()),
            Some(_) => {}
            None => e.add("product_types", "Choose among the listed product types."),
        }
    }
    if types.is_empty() && !e.has("product_types") {
        e.add("product_types", "Choose at least one product type to discuss.");
    }
    let method = match form.method.parse::<SoaMethod>() {
        Ok(m) => Some(m),
        Err(_) => {
            e.add(
                "method",
                "Choose how the SOA is signed: in person, by phone or electronically.",
            );
            None
        }
    };
    let signed_at = match method {
        Some(SoaMethod::Electronic) | None => None,
        Some(_) => match local_time(&form.signed_at, tz) {
            Some(t) if t <= at + Duration::minutes(5) => Some(t),
            Some(_) => {
                e.add("signed_at", "The signature cannot be in the future.");
                None
            }
            None => {
                e.add("signed_at", "Give the day and time the beneficiary signed.");
                None
            }
        },
    };
    let appointment_at = if form.appointment_at.trim().is_empty() {
        None
    } else {
        match local_time(&form.appointment_at, tz) {
            Some(t) => Some(t),
            None => {
                e.add(
                    "appointment_at",
                    "Give the appointment's day and time, or leave it empty.",
                );
                None
            }
        }
    };
    let email = contact
        .as_ref()
        .and_then(|c| c.email.clone())
        .filter(|m| !m.trim().is_empty());
    if method == Some(SoaMethod::Electronic) && contact.is_some() && email.is_none() {
        e.add(
            "method",
            "The beneficiary has no e-mail address for the signing link; add one to the contact or record the SOA as signed in person or by phone.",
        );
    }
    let lead_id = id_of(&form.lead_id);
    e.into_result()?;
    let (Some(contact), Some(agent_id), Some(method)) = (contact, agent_id, method) else {
        return Err(AppError::internal("SOA validation passed with a missing field"));
    };

    let secret = (method == SoaMethod::Electronic).then(tokens::new_secret);
    let (status, valid_until, retain_until) = match signed_at {
        Some(s) => {
            let (v, r) = validity(s, &rules);
            (SoaStatus::Signed, Some(v), r)
        }
        None => (SoaStatus::AwaitingSignature, None, retention(at.date(), &rules)),
    };
    let id = papers::insert_soa(
        conn,
        &NewSoa {
            contact_id: contact.id,
            agent_id,
            lead_id,
            product_types: types.join(","),
            method,
            status,
            appointment_at,
            signed_at,
            valid_until,
            retain_until,
            signed_name: signed_at.map(|_| {
                format!("{} {}", contact.first_name, contact.last_name)
                    .trim()
                    .to_string()
            }),
            token_hash: secret.as_deref().map(tokens::digest),
            token_expires_at: secret.as_ref().map(|_| at + Duration::hours(rules.soa_link_hours)),
            created_by: viewer.user_id,
            created_at: at,
            updated_at: at,
        },
    )?;
    let name = format!("{} {}", contact.first_name, contact.last_name);
    audit::record(
        conn,
        &viewer.audit(ip),
        "soa.created",
        "soa",
        Some(id),
        &format!("{} ({}; {})", name.trim(), method.label(), types.join(", ")),
    )?;
    if let (Some(secret), Some(to)) = (secret, email) {
        send_link(conn, id, &secret, &to, &contact.first_name, &rules, sender)?;
    }
    Ok(id)
}

/// Queues the e-mail with the signing link.
fn send_link(
    conn: &mut DbConnection,
    id: i64,
    secret: &str,
    to: &str,
    first_name: &str,
    rules: &Rules,
    sender: &Sender<'_>,
) -> Result<(), AppError> {
    let soa = policy_model::find_soa(conn, id)?;
    let agent = crate::leads::model::agent_names(conn, &[soa.agent_id])?
        .into_iter()
        .next()
        .map(|(_, n)| n)
        .unwrap_or_default();
    let body = format!(
        "Hello {first_name},\n\n{agent} at {agency} asks you to sign a Scope of Appointment before your Medicare \
         appointment. It records the types of plans you agree to discuss: {types}.\n\n\
         Read and sign it here:\n{base}/soa/sign/{secret}\n\n\
         The link works once and expires in {hours} hours. Signing does not enrol you in any plan. If you did not \
         expect this e-mail, you can ignore it.\n",
        agency = sender.agency,
        types = type_labels(&soa.product_types).join(", "),
        base = sender.base_url,
        hours = rules.soa_link_hours,
    );
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: to.into(),
            subject: "Please sign your Scope of Appointment".into(),
            body,
        },
    )?;
    Ok(())
}

/// The SOA if the viewer may see it (its agent is theirs); else "not found".
pub fn visible_soa(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> Result<SoaRow, AppError> {
    let soa = policy_model::find_soa(conn, id)?;
    if !viewer.may_see_agent(soa.agent_id) {
        return Err(AppError::NotFound);
    }
    Ok(soa)
}

/// A new signing link for an SOA still awaiting its electronic signature (the old one stops
/// working).
pub fn renew_link(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ip: Option<String>,
    id: i64,
    sender: &Sender<'_>,
) -> Result<(), AppError> {
    let soa = visible_soa(conn, viewer, id)?;
    if soa.method != SoaMethod::Electronic || soa.status != SoaStatus::AwaitingSignature {
        let mut e = FieldErrors::new();
        e.add("link", "Only an SOA awaiting its electronic signature gets a new link.");
        return Err(AppError::Validation(e));
    }
    let contact = crate::leads::model::find_contact(conn, soa.contact_id)?;
    let Some(to) = contact.email.clone().filter(|m| !m.trim().is_empty()) else {
        let mut e = FieldErrors::new();
        e.add("link", "The beneficiary has no e-mail address.");
        return Err(AppError::Validation(e));
    };
    let rules = service::rules(conn)?;
    let secret = tokens::new_secret();
    let at = now();
    papers::set_soa_token(
        conn,
        id,
        &tokens::digest(&secret),
        at + Duration::hours(rules.soa_link_hours),
        at,
    )?;
    audit::record(conn, &viewer.audit(ip), "soa.link_sent", "soa", Some(id), &to)?;
    send_link(conn, id, &secret, &to, &contact.first_name, &rules, sender)
}

pub(super) fn agent_name(conn: &mut DbConnection, agent_id: i64) -> Result<String, AppError> {
    Ok(crate::leads::model::agent_names(conn, &[agent_id])?
        .into_iter()
        .next()
        .map(|(_, n)| n)
        .unwrap_or_default())
}

// ---- pages --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "policies/soa_list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<SoaListRow>,
    q: String,
    now: NaiveDateTime,
    next_url: Option<String>,
    first_url: Option<String>,
}

/// SOA records on one page of the list.
pub const SOAS_PER_PAGE: usize = 50;

impl ListPage {
    fn types(&self, stored: &str) -> String {
        type_labels(stored).join(", ")
    }

    fn valid(&self, s: &SoaRow) -> bool {
        s.status == SoaStatus::Signed && s.valid_until.is_some_and(|v| v >= self.now)
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// The page after this record (the list is newest first).
    before: Option<i64>,
}

pub async fn index(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let q = query.q.chars().take(100).collect::<String>();
    let (qq, before) = (q.clone(), query.before);
    let mut rows = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &user)?;
            Ok(papers::list_soas(
                c,
                &viewer.scope,
                &qq,
                before,
                SOAS_PER_PAGE as i64 + 1,
            )?)
        })
        .await?;
    let more = rows.len() > SOAS_PER_PAGE;
    rows.truncate(SOAS_PER_PAGE);
    let search = if q.is_empty() {
        String::new()
    } else {
        format!(
            "q={}&",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    render(&ListPage {
        ctx,
        next_url: more
            .then(|| rows.last().map(|r| format!("/soa?{search}before={}", r.soa.id)))
            .flatten(),
        first_url: before.map(|_| format!("/soa?{}", search.trim_end_matches('&'))),
        rows,
        q,
        now: now(),
    })
}

#[derive(Template)]
#[template(path = "policies/soa_new.html")]
struct NewPage {
    ctx: PageCtx,
    form: SoaForm,
    errors: FieldErrors,
    contacts: Vec<(i64, String, Option<String>)>,
    agents: Vec<(i64, String)>,
    types: &'static [ProductLine],
    methods: &'static [SoaMethod],
    staff: bool,
}

async fn new_page(
    ctx: PageCtx,
    state: &AppState,
    user: &CurrentUser,
    form: SoaForm,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let u = user.clone();
    let chosen = id_of(&form.contact_id);
    let (contacts, agents, staff) = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let mut contacts = papers::contact_choices(c, &viewer.scope, 500)?;
            // The beneficiary named in the address (from a lead or a policy) is offered even
            // when older than the newest 500.
            if let Some(id) = chosen.filter(|id| !contacts.iter().any(|(c, _, _)| c == id)) {
                if papers::contact_visible(c, &viewer.scope, id)? {
                    if let Ok(k) = crate::leads::model::find_contact(c, id) {
                        let name = format!("{} {}", k.first_name, k.last_name).trim().to_string();
                        contacts.insert(0, (k.id, name, k.email));
                    }
                }
            }
            Ok((contacts, papers::agent_choices(c, &viewer.scope)?, viewer.is_staff()))
        })
        .await?;
    render_status(
        crate::web::form_status(&errors),
        &NewPage {
            ctx,
            form,
            errors,
            contacts,
            agents,
            types: SOA_TYPES,
            methods: SoaMethod::ALL,
            staff,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    contact_id: Option<i64>,
    lead_id: Option<i64>,
}

pub async fn new_form(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let form = SoaForm {
        contact_id: q.contact_id.map(|c| c.to_string()).unwrap_or_default(),
        lead_id: q.lead_id.map(|c| c.to_string()).unwrap_or_default(),
        method: SoaMethod::Electronic.as_str().into(),
        ..Default::default()
    };
    new_page(ctx, &state, &user, form, FieldErrors::new()).await
}

pub async fn create_soa(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SoaForm::from_pairs(&body.into_inner());
    let (u, f) = (user.clone(), form.clone());
    let (base, agency) = (state.settings.base_url.clone(), ctx.agency_name().to_string());
    let made = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &u)?;
            let sender = Sender {
                base_url: &base,
                agency: &agency,
            };
            create(c, &viewer, Some(u.ip.clone()), &f, u.time_zone, &sender)
        })
        .await;
    match made {
        Ok(id) => {
            let msg = if form.method == SoaMethod::Electronic.as_str() {
                "The Scope of Appointment is recorded and the signing link is e-mailed to the beneficiary."
            } else {
                "The Scope of Appointment is recorded."
            };
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(&session, &format!("/soa/{id}"), "success", msg))
        }
        Err(AppError::Validation(errors)) => new_page(ctx, &state, &user, form, errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "policies/soa_show.html")]
struct ShowPage {
    ctx: PageCtx,
    soa: SoaRow,
    beneficiary: String,
    email: Option<String>,
    agent: String,
    policies: Vec<(i64, String, String)>,
    now: NaiveDateTime,
}

impl ShowPage {
    fn types(&self) -> Vec<&'static str> {
        type_labels(&self.soa.product_types)
    }

    fn valid(&self) -> bool {
        self.soa.status == SoaStatus::Signed && self.soa.valid_until.is_some_and(|v| v >= self.now)
    }

    fn awaiting(&self) -> bool {
        self.soa.status == SoaStatus::AwaitingSignature
    }

    fn link_expired(&self) -> bool {
        self.awaiting() && link_state(&self.soa, self.now) == LinkState::Expired
    }
}

pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let page = state
        .db
        .read(move |c| {
            let viewer = Viewer::load(c, &user)?;
            let soa = visible_soa(c, &viewer, id)?;
            let contact = crate::leads::model::find_contact(c, soa.contact_id)?;
            let agent = agent_name(c, soa.agent_id)?;
            let policies = papers::policies_under(c, id)?;
            Ok(ShowPage {
                beneficiary: format!("{} {}", contact.first_name, contact.last_name)
                    .trim()
                    .to_string(),
                email: contact.email,
                agent,
                policies,
                now: now(),
                soa,
                ctx,
            })
        })
        .await?;
    render(&page)
}

pub async fn resend_link(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (base, agency) = (state.settings.base_url.clone(), ctx.agency_name().to_string());
    let done = state
        .db
        .write(move |c| {
            let viewer = Viewer::load(c, &user)?;
            let sender = Sender {
                base_url: &base,
                agency: &agency,
            };
            renew_link(c, &viewer, Some(user.ip.clone()), id, &sender)
        })
        .await;
    match done {
        Ok(()) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(
                &session,
                &format!("/soa/{id}"),
                "success",
                "A new signing link is e-mailed to the beneficiary; the old one no longer works.",
            ))
        }
        Err(AppError::Validation(e)) => Ok(redirect_with(
            &session,
            &format!("/soa/{id}"),
            "error",
            e.get("link").unwrap_or_default(),
        )),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn validity_and_retention_follow_the_rules() {
        let rules = Rules {
            soa_valid_months: 12,
            soa_retention_years: 10,
            ..Rules::default()
        };
        let (v, r) = validity(at("2026-01-31 15:00"), &rules);
        assert_eq!(v, at("2027-01-31 15:00"));
        assert_eq!(r, NaiveDate::from_ymd_opt(2036, 1, 31).unwrap());
        let short = Rules {
            soa_valid_months: 1,
            ..rules
        };
        // The end of a shorter month.
        assert_eq!(validity(at("2026-01-31 15:00"), &short).0, at("2026-02-28 15:00"));
    }

    #[test]
    fn the_wording_names_the_agent_agency_and_products() {
        let rules = Rules {
            soa_wording: "I agree to meet {agent} of {agency} about {products}.".into(),
            ..Rules::default()
        };
        assert_eq!(
            wording(&rules, "Ann Lee", "Sunbelt", "medicare_advantage,part_d"),
            "I agree to meet Ann Lee of Sunbelt about Medicare Advantage, Part D."
        );
    }

    #[test]
    fn a_form_keeps_every_product_type_ticked() {
        let pairs = vec![
            ("product_types".to_string(), "part_d".to_string()),
            ("product_types".to_string(), "medicare_advantage".to_string()),
            ("method".to_string(), "phone".to_string()),
        ];
        let f = SoaForm::from_pairs(&pairs);
        assert!(f.has_type("part_d") && f.has_type("medicare_advantage") && !f.has_type("life"));
        assert_eq!(f.method, "phone");
    }
}
