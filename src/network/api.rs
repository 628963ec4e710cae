//! The network API (item 11): `/api/v1/network/…` for a member's own token (scope `network`),
//! which acts as the member who made it and sees only what they see: their profile, their
//! connections with strengths, their referrals (list, read, create, accept or decline), their
//! score and tier, and the leaderboard. Creating follows the lead API's rules: lenient JSON, 422
//! with field messages, `Idempotency-Key` (`leads::api::create_once`). Another member's
//! referral, like any id that is not theirs, is a 404.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::model::{self, ReferralRow};
use super::referrals::{self, ReferralForm, Side};
use super::service::NetworkActor;
use super::standing as live;
use super::view;
use crate::audit::AuditActor;
use crate::auth::scopes::Scope;
use crate::auth::ApiClient;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::leads::api::{create_once, lenient_object, Answer};
use crate::leads::model::ContactRow;
use crate::web::routes::{Access, Routes};
use crate::web::AppState;

const NETWORK: &[Scope] = &[Scope::Network];

pub fn routes(r: &mut Routes) {
    r.get("/api/v1/network/profile", Access::Api(NETWORK), profile)
        .get("/api/v1/network/connections", Access::Api(NETWORK), connections)
        .get("/api/v1/network/referrals", Access::Api(NETWORK), list)
        .post("/api/v1/network/referrals", Access::Api(NETWORK), create)
        .get("/api/v1/network/referrals/{id}", Access::Api(NETWORK), show)
        .post(
            "/api/v1/network/referrals/{id}/status",
            Access::Api(NETWORK),
            change_status,
        )
        .get("/api/v1/network/score", Access::Api(NETWORK), score)
        .get("/api/v1/network/leaderboard", Access::Api(NETWORK), leaderboard);
}

fn ok(body: Value) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .content_type("application/json")
        .body(body.to_string())
}

/// The member the token acts as: its owner, while active and on the network. An agency token
/// cannot hold the scope, so a token without an owner is refused.
fn member(c: &mut DbConnection, client: &ApiClient) -> Result<NetworkActor, AppError> {
    let owner = client.owner_id.ok_or(AppError::Forbidden)?;
    let (id, role) = model::user_role(c, Some(owner), None)?.ok_or(AppError::Unauthorized)?;
    model::profile(c, id)?.ok_or(AppError::NotFound)?;
    Ok(NetworkActor { id, role })
}

/// The audit actor of a request made with the token: the member, marked as the API.
fn audit_actor(c: &mut DbConnection, actor: NetworkActor, client: &ApiClient) -> Result<AuditActor, AppError> {
    let name = model::member(c, actor.id)?.map(|m| m.email).unwrap_or_default();
    Ok(AuditActor {
        id: Some(actor.id),
        label: format!("{name} (API: {})", client.name),
        ip: None,
    })
}

fn split_list(s: &str) -> Vec<&str> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).collect()
}

async fn profile(client: ApiClient, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let body = state
        .db
        .read(move |c| {
            let a = member(c, &client)?;
            let p = model::profile(c, a.id)?.ok_or(AppError::NotFound)?;
            let m = model::member(c, a.id)?.ok_or(AppError::NotFound)?;
            let perf = super::connection_pages::performance(c, a.id)?;
            Ok(json!({
                "id": a.id,
                "name": m.name,
                "brokerage": p.brokerage,
                "product_lines": split_list(&p.lines),
                "specialisations": p.specialisations,
                "states": split_list(&p.states),
                "counties": split_list(&p.counties),
                "zips": split_list(&p.zips),
                "radius_miles": p.radius_miles,
                "languages": split_list(&p.languages),
                "capacity_per_month": p.capacity_per_month,
                "available": p.available,
                "bio": p.bio,
                "performance": {
                    "referrals_received": perf.received,
                    "referrals_converted": perf.converted,
                    "response_time": perf.response,
                    "rating": perf.rating.map(|(avg, n)| json!({ "average": avg, "ratings": n })),
                },
            }))
        })
        .await?;
    Ok(ok(body))
}

async fn connections(client: ApiClient, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let body = state
        .db
        .read(move |c| {
            let a = member(c, &client)?;
            let rows = model::connections_of(c, a.id, 500)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.other(a.id)).collect();
            let names: HashMap<i64, String> = model::members(c, &ids)?.into_iter().map(|m| (m.id, m.name)).collect();
            let snap = live::own(c, a.id)?;
            let since: HashMap<i64, chrono::NaiveDateTime> = model::links_of(c, a.id)?.into_iter().collect();
            let at = crate::db::now();
            let list: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let other = r.other(a.id);
                    let strength = since
                        .get(&other)
                        .map(|s| live::connection_strength(&snap, a.id, other, *s, at).value);
                    json!({
                        "id": r.id,
                        "member_id": other,
                        "member_name": names.get(&other).cloned().unwrap_or_default(),
                        "kind": r.kind.as_str(),
                        "status": r.status.as_str(),
                        "asked_by_me": r.requester_id == a.id,
                        "strength": strength,
                        "created_at": r.created_at.and_utc().to_rfc3339(),
                        "ended_at": r.ended_at.map(|t| t.and_utc().to_rfc3339()),
                    })
                })
                .collect();
            let [first, second, third] = model::reach_counts(c, a.id)?;
            Ok(json!({
                "connections": list,
                "reach": { "first": first, "second": second, "third": third },
            }))
        })
        .await?;
    Ok(ok(body))
}

/// A referral as this side sees it: the person only where the page would show them.
fn referral_json(c: &mut DbConnection, base: &str, r: &ReferralRow, side: Side) -> Result<Value, AppError> {
    let person = referrals::visible_person(c, r, side)?;
    Ok(referral_value(base, r, side, person.as_ref()))
}

/// The referral's JSON with the person as this side may see them (`None`: not shown).
fn referral_value(base: &str, r: &ReferralRow, side: Side, person: Option<&ContactRow>) -> Value {
    let person = person.map(|p| {
        json!({
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "phone": p.phone,
            "zip": p.zip,
        })
    });
    json!({
        "id": r.id,
        "url": format!("{base}/api/v1/network/referrals/{}", r.id),
        "status": r.status.as_str(),
        "side": match side { Side::Referrer => "sent", Side::Receiver => "received", Side::Staff => "agency" },
        "referrer_id": r.referrer_id,
        "target": r.target_kind.as_str(),
        "target_id": r.target_id,
        "receiver_id": r.receiver_id,
        "product_line": r.product_line,
        "note": r.note,
        "split_kind": r.split_kind.as_str(),
        "split_percent": view::split_percent(r),
        "fee_cents": r.fee_cents,
        "split": view::split_label(r),
        "decline_reason": r.decline_reason,
        "person": person,
        "policy_id": r.policy_id,
        "created_at": r.created_at.and_utc().to_rfc3339(),
        "expires_at": r.expires_at.and_utc().to_rfc3339(),
        "responded_at": r.responded_at.map(|t| t.and_utc().to_rfc3339()),
        "converted_at": r.converted_at.map(|t| t.and_utc().to_rfc3339()),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    /// `received`, `sent` or both (nothing given).
    #[serde(default)]
    side: String,
}

async fn list(client: ApiClient, state: web::Data<AppState>, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let side = q.into_inner().side;
    if !matches!(side.as_str(), "" | "sent" | "received") {
        return Err(AppError::field(
            "side",
            "Give sent or received, or leave it out for both.",
        ));
    }
    let base = state.settings.base_url.clone();
    let body = state
        .db
        .read(move |c| {
            let a = member(c, &client)?;
            let mut rows = Vec::new();
            if side != "sent" {
                rows.extend(
                    model::received_by(c, a.id, 200)?
                        .into_iter()
                        .map(|r| (r, Side::Receiver)),
                );
            }
            if side != "received" {
                rows.extend(model::sent_by(c, a.id, 200)?.into_iter().map(|r| (r, Side::Referrer)));
            }
            // The people in one read, each shown only where this side may see them.
            let ids: Vec<i64> = rows.iter().map(|(r, _)| r.contact_id).collect();
            let people: HashMap<i64, ContactRow> = crate::leads::model::contacts_by_id(c, &ids)?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
            let out: Vec<Value> = rows
                .iter()
                .map(|(r, side)| {
                    let person = people
                        .get(&r.contact_id)
                        .filter(|p| referrals::shows_person(r, *side, p));
                    referral_value(&base, r, *side, person)
                })
                .collect();
            Ok(json!({ "referrals": out }))
        })
        .await?;
    Ok(ok(body))
}

async fn show(client: ApiClient, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, base) = (path.into_inner(), state.settings.base_url.clone());
    let body = state
        .db
        .read(move |c| {
            let a = member(c, &client)?;
            let (r, side) = referrals::visible_referral(c, a, id)?;
            referral_json(c, &base, &r, side)
        })
        .await?;
    Ok(ok(body))
}

/// Text fields of the referral request (`lead_id` may be a number too).
const NUMBER_FIELDS: &[&str] = &[];

async fn create(
    req: HttpRequest,
    client: ApiClient,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let base = state.settings.base_url.clone();
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    let c2 = client.clone();
    create_once(&req, &client, &state, &body, move |c, value| {
        let a = member(c, &c2)?;
        let who = audit_actor(c, a, &c2)?;
        let (clean, shape) = lenient_object(&value, NUMBER_FIELDS);
        if !shape.is_empty() {
            return Ok(Answer::Refused(shape));
        }
        let form: ReferralForm = serde_json::from_value(clean).unwrap_or_default();
        match referrals::create_referral(c, a, &who, &settings, &caches, &form) {
            Ok(done) => {
                let r = model::referral(c, done.id)?.ok_or(AppError::NotFound)?;
                let mut body = referral_json(c, &base, &r, Side::Referrer)?;
                body["consent_link"] = json!(done.consent_link);
                Ok(Answer::Created(body))
            }
            Err(AppError::Validation(fields)) => Ok(Answer::Refused(fields)),
            Err(e) => Err(e),
        }
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
struct StatusRequest {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// The receiver's answer: `{"status": "accepted"}` or `{"status": "declined", "reason": …}`.
/// A referral converts when the receiver records its policy, and expires by the daily job.
async fn change_status(
    client: ApiClient,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
    let (clean, shape) = lenient_object(&value, &[]);
    let asked: StatusRequest = serde_json::from_value(clean).unwrap_or_default();
    let base = state.settings.base_url.clone();
    let result = state
        .db
        .write(move |c| {
            let a = member(c, &client)?;
            // A referral that is not theirs is a 404 before anything about the body.
            referrals::visible_referral(c, a, id)?;
            if !shape.is_empty() {
                return Err(AppError::Validation(shape));
            }
            let accept = match asked.status.trim() {
                "accepted" => true,
                "declined" => false,
                _ => {
                    return Err(AppError::field(
                        "status",
                        "Give accepted or declined: a referral converts when you record its policy, and expires on its own.",
                    ))
                }
            };
            let who = audit_actor(c, a, &client)?;
            referrals::answer_referral(c, a, &who, id, accept, &asked.reason)?;
            let (r, side) = referrals::visible_referral(c, a, id)?;
            referral_json(c, &base, &r, side)
        })
        .await;
    Ok(ok(result?))
}

async fn score(client: ApiClient, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let caches = state.caches.clone();
    let body = state
        .db
        .read(move |c| {
            let a = member(c, &client)?;
            let rules = super::rules::load(c)?;
            let s = view::standing_of(c, &caches.network, a.id, &rules)?;
            let parts: Vec<Value> = s
                .score
                .parts
                .iter()
                .map(|p| json!({ "part": p.label, "points": super::score::points(p.hundredths), "why": p.why }))
                .collect();
            Ok(json!({
                "score": s.points(),
                "score_hundredths": s.score.hundredths,
                "parts": parts,
                "tier": s.tier,
                "tier_multiplier_percent": super::pool::percent(s.multiplier_bps),
                "next_tier": s.next.as_ref().map(|(name, h)| json!({ "tier": name, "points_to_go": super::score::points(*h) })),
                "leaderboard_position": s.position,
                "computed_at": s.computed_at.map(|t| t.and_utc().to_rfc3339()),
            }))
        })
        .await?;
    Ok(ok(body))
}

#[derive(Debug, Default, serde::Deserialize)]
struct BoardQuery {
    /// `month` for this month's conversions; all time by score otherwise.
    #[serde(default)]
    period: String,
    #[serde(default)]
    page: String,
}

async fn leaderboard(
    client: ApiClient,
    state: web::Data<AppState>,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let mut errors = FieldErrors::new();
    let month = match q.period.trim() {
        "" | "all" => false,
        "month" => true,
        _ => {
            errors.add("period", "Give month or all.");
            false
        }
    };
    let page = match q.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=10_000).contains(p))
            .unwrap_or_else(|| {
                errors.add("page", "Give a page from 1 to 10000.");
                1
            }),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // The API's month is UTC's: a token has no time zone.
    let start = month.then(|| super::pages::month_start(crate::db::now().date()));
    let body = state
        .db
        .read(move |c| {
            member(c, &client)?;
            let (rows, more) = super::pages::board(c, start, page)?;
            let list: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({
                        "place": r.place, "member_id": r.user_id, "name": r.name,
                        "score": r.score, "tier": r.tier, "referrals_converted": r.converted,
                    })
                })
                .collect();
            Ok(json!({ "period": if month { "month" } else { "all" }, "page": page, "more": more, "rows": list }))
        })
        .await?;
    Ok(ok(body))
}

/// The OpenAPI paths and schemas of the network API, merged by `startup::openapi_document`.
pub fn openapi_parts() -> (Value, Value) {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let referral = json!({ "$ref": "#/components/schemas/Referral" });
    let statuses: Vec<&str> = crate::domain::network::ReferralStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let json_of = |schema: Value| json!({ "application/json": { "schema": schema } });
    let common = |ok: Value| {
        json!({
            "200": { "description": "OK", "content": json_of(ok) },
            "401": { "description": "Missing or revoked token, or its member is deactivated", "content": json_of(error.clone()) },
            "403": { "description": "The token lacks the network scope (only a member's own token has it)", "content": json_of(error.clone()) }
        })
    };
    let obj = json!({ "type": "object" });
    let schemas = json!({
        "ReferralRequest": {
            "type": "object",
            "required": ["target", "split_kind"],
            "description": "Refer one of your own leads (lead_id) or a new person (first_name, last_name, a phone or e-mail, zip, product_line, with the consent they gave: consent_text and consent_sellers, the sellers it names, comma-separated). When the consent does not name the receiver the referral waits in consent_needed and nothing is shared until the person agrees on the one-time page (consent_link when they have no e-mail address). A Medicare flat fee above the CMS referral-fee limit is refused. The first open referral of a person wins.",
            "properties": {
                "target": { "type": "string", "description": "broker:<member id> (a connection), team:<team id>, or agency" },
                "lead_id": { "type": "string" },
                "first_name": { "type": "string" }, "last_name": { "type": "string" },
                "email": { "type": "string", "format": "email" }, "phone": { "type": "string" },
                "zip": { "type": "string" }, "product_line": { "type": "string" },
                "consent_text": { "type": "string" }, "consent_sellers": { "type": "string" },
                "split_kind": { "type": "string", "enum": ["percent", "flat"] },
                "split_percent": { "type": "string", "description": "For percent: the referrer's share, e.g. \"20\"" },
                "fee": { "type": "string", "description": "For flat: dollars, e.g. \"50.00\"" },
                "note": { "type": "string" }
            }
        },
        "Referral": {
            "type": "object",
            "properties": {
                "id": { "type": "integer" }, "url": { "type": "string" },
                "status": { "type": "string", "enum": statuses },
                "side": { "type": "string", "enum": ["sent", "received", "agency"] },
                "referrer_id": { "type": "integer" }, "receiver_id": { "type": "integer", "nullable": true },
                "target": { "type": "string" }, "product_line": { "type": "string" },
                "split_kind": { "type": "string" }, "split_percent": { "type": "string", "nullable": true },
                "fee_cents": { "type": "integer" },
                "person": { "type": "object", "nullable": true, "description": "Null for a receiver until the person consented" },
                "consent_link": { "type": "string", "nullable": true, "description": "Only in the answer to a create, once" },
                "expires_at": { "type": "string", "format": "date-time" }
            }
        },
        "ReferralStatusRequest": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": { "type": "string", "enum": ["accepted", "declined"] },
                "reason": { "type": "string", "description": "Required to decline" }
            }
        }
    });
    let id = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
    let mut create = common(referral.clone());
    create["201"] = json!({ "description": "Created", "content": json_of(referral.clone()) });
    create["400"] = json!({ "description": "Not JSON", "content": json_of(error.clone()) });
    create["422"] =
        json!({ "description": "Validation failed; `fields` names each bad field", "content": json_of(error.clone()) });
    let mut one = common(referral.clone());
    one["404"] = json!({ "description": "No such referral of yours", "content": json_of(error.clone()) });
    let mut answer = one.clone();
    answer["422"] = json!({ "description": "Not waiting for you, a bad status, or no reason to decline", "content": json_of(error.clone()) });
    let paths = json!({
        "/api/v1/network/profile": { "get": { "summary": "Your network profile and figures (scope network)", "responses": common(obj.clone()) } },
        "/api/v1/network/connections": { "get": { "summary": "Your connections with their strength, and your reach at each degree (scope network)", "responses": common(obj.clone()) } },
        "/api/v1/network/referrals": {
            "get": {
                "summary": "Referrals you received and sent (scope network)",
                "parameters": [{ "name": "side", "in": "query", "required": false, "schema": { "type": "string", "enum": ["sent", "received"] } }],
                "responses": common(obj.clone())
            },
            "post": {
                "summary": "Refer a person (scope network)",
                "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 200 } }],
                "requestBody": { "required": true, "content": json_of(json!({ "$ref": "#/components/schemas/ReferralRequest" })) },
                "responses": create
            }
        },
        "/api/v1/network/referrals/{id}": { "get": { "summary": "One of your referrals (scope network)", "parameters": id, "responses": one } },
        "/api/v1/network/referrals/{id}/status": {
            "post": {
                "summary": "Accept or decline a referral waiting for you (scope network)",
                "parameters": id,
                "requestBody": { "required": true, "content": json_of(json!({ "$ref": "#/components/schemas/ReferralStatusRequest" })) },
                "responses": answer
            }
        },
        "/api/v1/network/score": { "get": { "summary": "Your network score with its parts, tier and multiplier (scope network)", "responses": common(obj.clone()) } },
        "/api/v1/network/leaderboard": {
            "get": {
                "summary": "The leaderboard, 50 a page (scope network)",
                "parameters": [
                    { "name": "period", "in": "query", "required": false, "schema": { "type": "string", "enum": ["all", "month"] } },
                    { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 } }
                ],
                "responses": common(obj)
            }
        }
    });
    (paths, schemas)
}

#[cfg(test)]
mod tests {
    use super::split_list;

    #[test]
    fn stored_lists_are_split_without_empties() {
        assert_eq!(split_list("FL, GA,,TX "), vec!["FL", "GA", "TX"]);
        assert!(split_list("").is_empty());
    }
}
