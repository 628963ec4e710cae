//! Referrals (items 4 to 6): to a connected member or the agency, of one of the referrer's own
//! leads or a new person with their consent; the consent check and the public consent answer; the
//! receiver's answer; expiry; conversion into commission. Reached through `service`.

use chrono::{Datelike, Duration, NaiveDateTime};

use super::handoff::{self, Split};
use super::model::{self, Member, NewReferral, ReferralRow};
use super::rules::Rules;
use crate::audit::{self, AuditActor};
use crate::auth::tokens;
use crate::db::{now, DbConnection};
use crate::domain::network::{ConnectionStatus, ReferralStatus, ReferralTarget, SplitKind};
use crate::domain::ProductLine;
use crate::error::{AppError, FieldErrors};
use crate::jobs::{self, EmailJob};
use crate::leads::model as leads_model;
use crate::notifications::model as notices;

use super::service::{cleaned, invalid, member_profile, NetworkActor};

// ---- referrals ------------------------------------------------------------------------------

/// The referral form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReferralForm {
    /// `broker:<user id>` or `agency`.
    #[serde(default)]
    pub target: String,
    /// One of the referrer's own leads; otherwise the person below.
    #[serde(default)]
    pub lead_id: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub zip: String,
    #[serde(default)]
    pub product_line: String,
    /// The consent language the person agreed to, and the sellers it names (comma-separated).
    #[serde(default)]
    pub consent_text: String,
    #[serde(default)]
    pub consent_sellers: String,
    #[serde(default)]
    pub split_kind: String,
    #[serde(default)]
    pub split_percent: String,
    #[serde(default)]
    pub fee: String,
    #[serde(default)]
    pub note: String,
}

/// What creating a referral did: its id, its state, and a consent link to pass on when the
/// person has no e-mail address (shown once; only its hash is kept).
#[derive(Debug)]
pub struct Created {
    pub id: i64,
    pub status: ReferralStatus,
    pub consent_link: Option<String>,
}

/// The names a consent must give for this receiver: the member and their brokerage, or the
/// agency's name.
fn receiver_names(
    conn: &mut DbConnection,
    target: ReferralTarget,
    receiver: Option<&Member>,
) -> Result<Vec<String>, AppError> {
    Ok(match (target, receiver) {
        (ReferralTarget::Agency, _) => vec![crate::agency::model::find(conn)?.name],
        (_, Some(m)) => vec![m.name.clone(), m.brokerage.clone()],
        (_, None) => Vec::new(),
    })
}

fn sellers_of(conn: &mut DbConnection, lead_id: i64) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for c in leads_model::consents_of(conn, lead_id)? {
        out.extend(serde_json::from_str::<Vec<String>>(&c.sellers).unwrap_or_default());
    }
    Ok(out)
}

/// A referral: to a connected member or to the agency, of one of the referrer's leads or of a
/// new person with their consent. First referral of a person wins. When the person's consent
/// does not name the receiver it waits for consent and nothing is shared. The consent is
/// recorded with the referrer's address (`who.ip`).
pub fn create_referral(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    settings: &crate::config::Settings,
    caches: &crate::caches::Caches,
    f: &ReferralForm,
) -> Result<Created, AppError> {
    member_profile(conn, actor)?;
    let rules = super::rules::load(conn)?;
    let mut e = FieldErrors::new();
    // Who receives it.
    let target = f.target.trim();
    let mut team_id = None;
    let (target_kind, receiver) = if target == "agency" {
        (ReferralTarget::Agency, None)
    } else if let Some(id) = target.strip_prefix("team:").and_then(|s| s.parse::<i64>().ok()) {
        match super::model::teams::team(conn, id)? {
            Some(t) => {
                team_id = Some(t.id);
                let chosen = super::teams::choose_receiver(conn, t.id, actor.id)?;
                if chosen.is_none() {
                    e.add("target", format!("Nobody in {} is taking referrals just now.", t.name));
                }
                (ReferralTarget::Team, chosen)
            }
            None => {
                e.add("target", "There is no such team.");
                (ReferralTarget::Team, None)
            }
        }
    } else if let Some(id) = target.strip_prefix("broker:").and_then(|s| s.parse::<i64>().ok()) {
        match model::open_between(conn, actor.id, id)? {
            Some(c) if c.status == ConnectionStatus::Active => (ReferralTarget::Broker, model::member(conn, id)?),
            _ => {
                e.add(
                    "target",
                    "You can refer only to members you are connected with, or to the agency.",
                );
                (ReferralTarget::Broker, None)
            }
        }
    } else {
        e.add("target", "Choose who receives the referral.");
        (ReferralTarget::Broker, None)
    };
    if target_kind == ReferralTarget::Broker && receiver.is_none() && !e.has("target") {
        e.add("target", "That member is no longer on the network.");
    }
    // The person: one of the referrer's own leads, or someone new with their consent.
    let viewer = crate::leads::service::Viewer::of(conn, actor.id, actor.role, &who.label)?;
    let existing = match f.lead_id.trim() {
        "" => None,
        raw => match raw
            .parse::<i64>()
            .ok()
            .map(|id| crate::leads::service::visible_lead(conn, &viewer, id))
        {
            Some(Ok(found)) => Some(found),
            _ => {
                e.add("lead_id", "Choose one of your own leads.");
                None
            }
        },
    };
    let valid_new = if existing.is_none() && !e.has("lead_id") {
        let sellers: Vec<String> = f
            .consent_sellers
            .split(',')
            .filter_map(|s| crate::text::clean_line(s, 200).ok())
            .filter(|s| !s.is_empty())
            .collect();
        let req = crate::leads::intake::LeadRequest {
            first_name: Some(f.first_name.clone()),
            last_name: Some(f.last_name.clone()),
            email: Some(f.email.clone()).filter(|s| !s.trim().is_empty()),
            phone: Some(f.phone.clone()).filter(|s| !s.trim().is_empty()),
            zip: Some(f.zip.clone()).filter(|s| !s.trim().is_empty()),
            product_line: Some(f.product_line.clone()).filter(|s| !s.trim().is_empty()),
            message: Some(f.note.clone()),
            consent: Some(crate::leads::intake::ConsentRequest {
                text: Some(f.consent_text.clone()),
                sellers: Some(sellers),
                ip: who.ip.clone().filter(|ip| !ip.is_empty()),
                ..Default::default()
            }),
            ..Default::default()
        };
        match crate::leads::intake::validate_lead(
            &req,
            &format!("referral: {}", who.label),
            now().date(),
            chrono::Utc::now(),
        ) {
            Ok(v) => Some(v),
            Err(errors) => {
                for (field, msgs) in errors {
                    let field = match field.as_str() {
                        "consent.text" => "consent_text".to_string(),
                        "consent.sellers" => "consent_sellers".to_string(),
                        other => other.to_string(),
                    };
                    for m in msgs {
                        e.add(&field, m);
                    }
                }
                None
            }
        }
    } else {
        None
    };
    let product = existing
        .as_ref()
        .map(|(l, _)| l.product_line.parse::<ProductLine>().unwrap_or(ProductLine::Other))
        .or(valid_new.as_ref().map(|v| v.product_line))
        .unwrap_or(ProductLine::Other);
    // The split, a Medicare flat fee within the CMS limit.
    let limits: Vec<crate::commissions::cms::Limit> = crate::commissions::model::limits(conn)?
        .iter()
        .map(|l| l.limit())
        .collect();
    let cap = crate::commissions::cms::referral_cap(&limits, product, now().year());
    let split = match handoff::parse_split(&f.split_kind, &f.split_percent, &f.fee, cap, product.is_medicare()) {
        Ok(s) => Some(s),
        Err((field, m)) => {
            e.add(field, m);
            None
        }
    };
    let note = cleaned(&mut e, "note", "note", &f.note, 2000, true);
    // First referral of a person wins.
    let (email, phone) = match (&existing, &valid_new) {
        (Some((_, c)), _) => (c.email.clone(), c.phone.clone()),
        (None, Some(v)) => (v.email.clone(), v.phone.clone()),
        _ => (None, None),
    };
    if email.is_some() || phone.is_some() {
        let ids: Vec<i64> = leads_model::contacts_matching(conn, email.as_deref(), phone.as_deref())?
            .iter()
            .map(|c| c.id)
            .collect();
        if let Some(first) = model::open_referral_of(conn, &ids)? {
            let by = if first.referrer_id == actor.id {
                "You".to_string()
            } else {
                model::member(conn, first.referrer_id)?
                    .map(|m| m.name)
                    .unwrap_or_else(|| "Another member".into())
            };
            e.add(
                "email",
                format!(
                    "{by} already referred this person on {} and that referral is still open ({}): the first referral wins.",
                    first.created_at.format("%-d %B %Y"),
                    first.status.label().to_lowercase()
                ),
            );
        }
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let split = split.ok_or(AppError::NotFound)?;
    // The lead: the referrer's own, or the new person taken in (queued, then held by the referrer).
    let who_event = crate::leads::service::EventActor {
        id: Some(actor.id),
        label: who.label.clone(),
        api_token_id: None,
    };
    let (lead_id, contact) = match existing {
        Some((l, c)) => (l.id, c),
        None => {
            let v = valid_new.as_ref().ok_or(AppError::NotFound)?;
            let routing = if target_kind == ReferralTarget::Agency {
                crate::leads::service::Routing::Now
            } else {
                crate::leads::service::Routing::Queue(
                    "Referred through the broker network: waiting for the receiving member.",
                )
            };
            let id = crate::leads::service::intake(conn, v, &who_event, settings, caches, routing)?.id();
            if target_kind != ReferralTarget::Agency {
                let mine = crate::agents::service::ensure_profile(conn, actor.id, &who.label)?;
                leads_model::assign(conn, id, Some(mine))?;
            }
            let (_, c) = leads_model::find_lead(conn, id)?;
            (id, c)
        }
    };
    // Consent: the person's recorded consent must name the receiver; do-not-call stops it.
    if contact.do_not_call {
        return Err(invalid(
            "lead_id",
            "This person asked not to be called (do-not-call): their details cannot be handed on.",
        ));
    }
    let names = receiver_names(conn, target_kind, receiver.as_ref())?;
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let consented = handoff::consent_names(&sellers_of(conn, lead_id)?, &name_refs);
    let status = if !consented {
        ReferralStatus::ConsentNeeded
    } else if target_kind == ReferralTarget::Agency {
        ReferralStatus::Accepted
    } else {
        ReferralStatus::Pending
    };
    let (split_kind, split_bps, fee_cents) = match split {
        Split::Percent(b) => (SplitKind::Percent, b, 0),
        Split::Flat(c) => (SplitKind::Flat, 0, c),
    };
    let id = model::insert_referral(
        conn,
        &NewReferral {
            referrer_id: actor.id,
            target_kind,
            target_id: team_id.or(receiver.as_ref().map(|m| m.id)),
            receiver_id: receiver.as_ref().map(|m| m.id),
            contact_id: contact.id,
            source_lead_id: Some(lead_id),
            lead_id: (target_kind == ReferralTarget::Agency).then_some(lead_id),
            product_line: product.as_str(),
            note: &note,
            status,
            split_kind,
            split_bps,
            fee_cents,
            expires_at: now() + Duration::days(rules.referral_expiry_days),
        },
    )?;
    model::add_referral_event(conn, id, Some(actor.id), "created", status.label())?;
    leads_model::add_event(
        conn,
        lead_id,
        Some(actor.id),
        &who.label,
        "referred",
        &serde_json::json!({ "referral_id": id, "to": names.first() }).to_string(),
    )?;
    let mut consent_link = None;
    match status {
        ReferralStatus::ConsentNeeded => consent_link = ask_consent(conn, settings, &rules, id, &contact, &names)?,
        ReferralStatus::Pending => tell_receiver(conn, id, receiver.as_ref(), &who.label, settings)?,
        _ => {
            if target_kind == ReferralTarget::Agency {
                crate::routing::offers::route_lead(conn, lead_id, settings, &caches.routing)?;
            }
        }
    }
    audit::record(
        conn,
        who,
        "network.referral_created",
        "referral",
        Some(id),
        status.as_str(),
    )?;
    Ok(Created {
        id,
        status,
        consent_link,
    })
}

/// A one-time link to the public consent page: e-mailed to the person when they have an address,
/// and returned (to show the referrer once) when they do not.
fn ask_consent(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    rules: &Rules,
    referral_id: i64,
    contact: &leads_model::ContactRow,
    names: &[String],
) -> Result<Option<String>, AppError> {
    let secret = tokens::new_secret();
    model::insert_consent_link(
        conn,
        referral_id,
        &tokens::digest(&secret),
        now() + Duration::hours(rules.consent_link_hours),
    )?;
    let link = format!("{}/referral-consent/{secret}", settings.base_url.trim_end_matches('/'));
    let receiver = names
        .iter()
        .filter(|n| !n.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" of ");
    match &contact.email {
        Some(to) => {
            jobs::enqueue_email(
                conn,
                &EmailJob {
                    to: to.clone(),
                    subject: "May we pass your details on?".into(),
                    body: format!(
                        "Hello {},\n\nWe would like to put you in touch with {receiver}, who can help with your insurance question. We will only share your details if you agree.\n\nSee exactly who would receive them, and answer, here (the link works once):\n{link}\n",
                        contact.first_name
                    ),
                },
            )?;
            Ok(None)
        }
        None => Ok(Some(link)),
    }
}

/// The receiver hears of a referral waiting for them: a notice and an e-mail.
fn tell_receiver(
    conn: &mut DbConnection,
    referral_id: i64,
    receiver: Option<&Member>,
    from: &str,
    settings: &crate::config::Settings,
) -> Result<(), AppError> {
    let Some(m) = receiver else { return Ok(()) };
    let link = format!("/network/referrals/{referral_id}");
    notices::notify(
        conn,
        m.id,
        "network.referral",
        &format!("{from} referred someone to you."),
        &link,
    )?;
    jobs::enqueue_email(
        conn,
        &EmailJob {
            to: m.email.clone(),
            subject: format!("{from} referred someone to you"),
            body: format!(
                "Hello {},\n\n{from} referred a person to you through the network. Accept or decline it here:\n{}{link}\n",
                m.name,
                settings.base_url.trim_end_matches('/')
            ),
        },
    )?;
    Ok(())
}

/// What a viewer may do with a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Referrer,
    Receiver,
    Staff,
}

/// The referral, if the actor sent it, receives it, or is staff (404 otherwise).
pub fn visible_referral(
    conn: &mut DbConnection,
    actor: NetworkActor,
    id: i64,
) -> Result<(ReferralRow, Side), AppError> {
    let Some(r) = model::referral(conn, id)? else {
        return Err(AppError::NotFound);
    };
    let side = if r.referrer_id == actor.id {
        Side::Referrer
    } else if r.receiver_id == Some(actor.id) {
        Side::Receiver
    } else if actor.role.is_staff() {
        Side::Staff
    } else {
        return Err(AppError::NotFound);
    };
    Ok((r, side))
}

/// The receiver accepts (the lead becomes theirs) or declines with a reason.
pub fn answer_referral(
    conn: &mut DbConnection,
    actor: NetworkActor,
    who: &AuditActor,
    id: i64,
    accept: bool,
    reason: &str,
) -> Result<String, AppError> {
    visible_referral(conn, actor, id)?;
    let r = model::lock_referral(conn, id)?.ok_or(AppError::NotFound)?;
    if r.receiver_id != Some(actor.id) {
        return Err(AppError::NotFound);
    }
    if r.status != ReferralStatus::Pending {
        return Err(invalid(
            "referral",
            format!(
                "This referral is not waiting for you: it is {}.",
                r.status.label().to_lowercase()
            ),
        ));
    }
    // The person asked not to be called since the referral was made: the hand-off stops here.
    if leads_model::find_contact(conn, r.contact_id)?.do_not_call {
        model::set_referral_status(conn, id, ReferralStatus::Stopped)?;
        model::add_referral_event(conn, id, Some(actor.id), "stopped", "the person asked not to be called")?;
        notices::notify(
            conn,
            r.referrer_id,
            "network.referral",
            "A referral stopped: the person asked not to be called.",
            &format!("/network/referrals/{id}"),
        )?;
        audit::record(
            conn,
            who,
            "network.referral_stopped",
            "referral",
            Some(id),
            "do not call",
        )?;
        return Ok("The person asked not to be called since: the hand-off stopped, and nothing more is shared.".into());
    }
    let reason = crate::text::clean_line(reason, 500).map_err(|err| invalid("reason", err.message("reason")))?;
    if !accept && reason.is_empty() {
        return Err(invalid(
            "reason",
            "Say why you decline, so the referrer can find someone else.",
        ));
    }
    if accept {
        let lead_id = r.source_lead_id.ok_or(AppError::NotFound)?;
        let mine = crate::agents::service::ensure_profile(conn, actor.id, &who.label)?;
        leads_model::assign(conn, lead_id, Some(mine))?;
        leads_model::add_event(
            conn,
            lead_id,
            Some(actor.id),
            &who.label,
            "referral_accepted",
            &serde_json::json!({ "referral_id": id }).to_string(),
        )?;
        model::answer_referral(conn, id, ReferralStatus::Accepted, Some(lead_id), None)?;
    } else {
        model::answer_referral(conn, id, ReferralStatus::Declined, None, Some(&reason))?;
    }
    model::add_referral_event(
        conn,
        id,
        Some(actor.id),
        if accept { "accepted" } else { "declined" },
        &reason,
    )?;
    super::jobs::queue_scores(conn, &[r.referrer_id, actor.id])?;
    notices::notify(
        conn,
        r.referrer_id,
        "network.referral",
        &format!(
            "{} {} your referral.",
            who.label,
            if accept { "accepted" } else { "declined" }
        ),
        &format!("/network/referrals/{id}"),
    )?;
    audit::record(
        conn,
        who,
        if accept {
            "network.referral_accepted"
        } else {
            "network.referral_declined"
        },
        "referral",
        Some(id),
        &reason,
    )?;
    Ok(if accept {
        "Accepted: the lead is yours now.".into()
    } else {
        "Declined; the referrer is told why.".into()
    })
}

/// What the public consent page shows: who would receive the person's details, for what.
pub struct ConsentAsk {
    pub link_id: i64,
    pub referral: ReferralRow,
    pub first_name: String,
    pub receiver: String,
    pub referrer: String,
    pub wording: String,
}

/// The consent wording shown to the person, naming the receiver.
pub fn consent_wording(receiver: &str, product: &str) -> String {
    format!(
        "I agree that my name and contact details may be shared with {receiver}, who may contact me about {product}. I can withdraw this consent at any time."
    )
}

/// The open consent request behind a link (404 when unknown, used or expired).
pub fn consent_ask(conn: &mut DbConnection, secret: &str) -> Result<ConsentAsk, AppError> {
    let (link_id, referral_id) =
        model::live_consent_link(conn, &tokens::digest(secret), now())?.ok_or(AppError::NotFound)?;
    let referral = model::referral(conn, referral_id)?.ok_or(AppError::NotFound)?;
    if referral.status != ReferralStatus::ConsentNeeded {
        return Err(AppError::NotFound);
    }
    let contact = leads_model::find_contact(conn, referral.contact_id)?;
    let receiver_member = match referral.receiver_id {
        Some(id) => model::member(conn, id)?,
        None => None,
    };
    let names = receiver_names(conn, referral.target_kind, receiver_member.as_ref())?;
    let receiver = names
        .iter()
        .filter(|n| !n.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" of ");
    let referrer = model::member(conn, referral.referrer_id)?
        .map(|m| m.name)
        .unwrap_or_default();
    let product = referral
        .product_line
        .parse::<ProductLine>()
        .map(|p| p.label().to_string())
        .unwrap_or_else(|_| "insurance".into());
    Ok(ConsentAsk {
        link_id,
        wording: consent_wording(&receiver, &product),
        referral,
        first_name: contact.first_name,
        receiver,
        referrer,
    })
}

/// The person answers on the public page. Yes: the consent is recorded like intake consent
/// (text, time, address, browser) naming the receiver, and the referral goes to them. No: the
/// hand-off stops. The link works once.
pub fn consent_answer(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    secret: &str,
    yes: bool,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<bool, AppError> {
    let ask = consent_ask(conn, secret)?;
    if !model::use_consent_link(conn, ask.link_id)? {
        return Err(AppError::NotFound);
    }
    let r = &ask.referral;
    let lead_id = r.source_lead_id.ok_or(AppError::NotFound)?;
    let who = AuditActor {
        id: None,
        label: format!("{} (the referred person)", ask.first_name),
        ip: ip.map(String::from),
    };
    if yes {
        let receiver_member = match r.receiver_id {
            Some(id) => model::member(conn, id)?,
            None => None,
        };
        let names = receiver_names(conn, r.target_kind, receiver_member.as_ref())?;
        let sellers: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
        let page = format!("{}/referral-consent", settings.base_url.trim_end_matches('/'));
        leads_model::insert_consent(
            conn,
            &leads_model::NewConsent {
                lead_id,
                text: &ask.wording,
                given_at: now(),
                ip,
                user_agent,
                page_url: Some(&page),
                sellers: &serde_json::to_string(&sellers).unwrap_or_else(|_| "[]".into()),
            },
        )?;
        let next = if r.target_kind == ReferralTarget::Agency {
            ReferralStatus::Accepted
        } else {
            ReferralStatus::Pending
        };
        model::set_referral_status(conn, r.id, next)?;
        model::add_referral_event(conn, r.id, None, "consented", &ask.wording)?;
        let referrer = model::member(conn, r.referrer_id)?.map(|m| m.name).unwrap_or_default();
        if next == ReferralStatus::Pending {
            tell_receiver(conn, r.id, receiver_member.as_ref(), &referrer, settings)?;
        } else {
            model::set_receiver(conn, r.id, None, Some(lead_id))?;
        }
    } else {
        model::set_referral_status(conn, r.id, ReferralStatus::Stopped)?;
        model::add_referral_event(conn, r.id, None, "consent_refused", "")?;
    }
    notices::notify(
        conn,
        r.referrer_id,
        "network.referral",
        &format!(
            "{} {} to the hand-off.",
            ask.first_name,
            if yes { "consented" } else { "did not consent" }
        ),
        &format!("/network/referrals/{}", r.id),
    )?;
    audit::record(
        conn,
        &who,
        if yes {
            "network.referral_consented"
        } else {
            "network.referral_consent_refused"
        },
        "referral",
        Some(r.id),
        "",
    )?;
    Ok(yes)
}

/// Referrals expired per transaction by the daily run.
pub const EXPIRE_BATCH: usize = 1000;

/// Expires open referrals past their deadline and tells both sides (the daily job).
pub fn expire_overdue(conn: &mut DbConnection, at: NaiveDateTime) -> Result<usize, AppError> {
    let due = model::overdue(conn, at, EXPIRE_BATCH as i64)?;
    let who = AuditActor::system("referral expiry");
    for r in &due {
        model::set_referral_status(conn, r.id, ReferralStatus::Expired)?;
        model::add_referral_event(conn, r.id, None, "expired", "")?;
        let link = format!("/network/referrals/{}", r.id);
        for user in std::iter::once(r.referrer_id).chain(r.receiver_id) {
            notices::notify(
                conn,
                user,
                "network.referral",
                "A referral expired without an answer.",
                &link,
            )?;
            if let Some(m) = model::member(conn, user)? {
                jobs::enqueue_email(
                    conn,
                    &EmailJob {
                        to: m.email,
                        subject: "A referral expired".into(),
                        body: format!(
                            "Hello {},\n\nReferral #{} was not answered by its deadline and has expired.\n",
                            m.name, r.id
                        ),
                    },
                )?;
            }
        }
        audit::record(conn, &who, "network.referral_expired", "referral", Some(r.id), "")?;
    }
    Ok(due.len())
}

/// A policy recorded for a referred lead converts its accepted referral: the referrer's split
/// (with their tier's multiplier) becomes commission for them. A share of the commission is
/// a commission split (the writing agent keeps the rest); a flat fee is an adjustment paid to the
/// referrer and taken from the writing agent, so the ledger adds up.
pub fn policy_recorded(
    conn: &mut DbConnection,
    lead_id: i64,
    policy_id: i64,
    writing_agent_id: i64,
    effective: chrono::NaiveDate,
) -> Result<(), AppError> {
    let Some(r) = model::accepted_referral_of_lead(conn, lead_id)? else {
        return Ok(());
    };
    let rules = super::rules::load(conn)?;
    let tier = super::scores::tier_of(conn, &rules, r.referrer_id)?;
    model::set_converted(conn, r.id, policy_id)?;
    model::add_referral_event(
        conn,
        r.id,
        None,
        "converted",
        &format!("policy {policy_id}; {} tier, +{} bps", tier.name, tier.multiplier_bps),
    )?;
    super::conversion::book(conn, &r, policy_id, writing_agent_id, effective, &tier)?;
    let touched: Vec<i64> = std::iter::once(r.referrer_id).chain(r.receiver_id).collect();
    super::jobs::queue_scores(conn, &touched)?;
    notices::notify(
        conn,
        r.referrer_id,
        "network.referral",
        "Your referral converted: a policy was recorded.",
        &format!("/network/referrals/{}", r.id),
    )?;
    audit::record(
        conn,
        &AuditActor::system("referral conversion"),
        "network.referral_converted",
        "referral",
        Some(r.id),
        &format!("policy {policy_id}"),
    )?;
    Ok(())
}

/// Whether a referral's status lets the receiver see the person's details.
pub fn receiver_sees_person(status: ReferralStatus) -> bool {
    matches!(
        status,
        ReferralStatus::Pending | ReferralStatus::Accepted | ReferralStatus::Converted
    )
}

/// The person referred, when this side may see them: the referrer and staff always, the
/// receiver only once consent is in place and the referral is theirs to work.
pub fn visible_person(
    conn: &mut DbConnection,
    r: &ReferralRow,
    side: Side,
) -> Result<Option<leads_model::ContactRow>, AppError> {
    if side == Side::Receiver && !receiver_sees_person(r.status) {
        return Ok(None);
    }
    let person = leads_model::find_contact(conn, r.contact_id)?;
    Ok(shows_person(r, side, &person).then_some(person))
}

/// Whether this side is shown the person now: always for the referrer and staff; for the
/// receiver once consent is in place, and not while a do-not-call person still waits for them.
pub fn shows_person(r: &ReferralRow, side: Side, person: &leads_model::ContactRow) -> bool {
    side != Side::Receiver
        || (receiver_sees_person(r.status) && !(person.do_not_call && r.status == ReferralStatus::Pending))
}

/// For tests and the demo: the rules in force.
pub fn rules(conn: &mut DbConnection) -> Result<Rules, AppError> {
    super::rules::load(conn)
}
