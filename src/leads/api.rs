//! The JSON API for outside systems: `POST /api/v1/leads` (idempotent, de-duplicating),
//! `GET /api/v1/leads/{id}`, and the OpenAPI document that describes them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::intake::{self, ConsentRequest, FieldErrors as RuleErrors, LeadRequest};
use super::model;
use super::service::{self, EventActor, IntakeOutcome, Intook};
use crate::auth::scopes::Scope;
use crate::auth::ApiClient;
use crate::db::now;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::AppState;

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

fn validation(fields: RuleErrors) -> AppError {
    AppError::Validation(FieldErrors(fields))
}

/// Where routing has the lead: an open offer, the assigned agent, or why it waits.
fn routing_state(conn: &mut crate::db::DbConnection, lead: &model::LeadRow) -> diesel::QueryResult<Value> {
    let offer = crate::routing::offers::offers_of_lead(conn, lead.id)?
        .into_iter()
        .find(|o| o.status == "pending");
    Ok(routing_json(lead, offer.map(|o| (o.agent_id, o.deadline))))
}

/// The `routing` object of an answer, from the lead and its open offer (agent, deadline).
fn routing_json(lead: &model::LeadRow, offer: Option<(i64, chrono::NaiveDateTime)>) -> Value {
    json!({
        "assigned_agent": lead.assigned_agent_id,
        "offer": offer.map(|(agent_id, deadline)| json!({ "agent_id": agent_id, "deadline": deadline.and_utc().to_rfc3339() })),
        "unassigned_reason": lead.unassigned_reason,
    })
}

/// Reads the JSON body leniently: numbers are taken for strings (a ZIP sent as 33101), and a
/// value of the wrong shape is a field error (returned beside what could be read), not a failed
/// parse.
pub fn request_from_json(v: &Value) -> (LeadRequest, RuleErrors) {
    let mut errors = RuleErrors::new();
    let Some(obj) = v.as_object() else {
        errors.insert("body".into(), vec!["Send a JSON object.".into()]);
        return (LeadRequest::default(), errors);
    };
    fn text(o: &serde_json::Map<String, Value>, key: &str, path: &str, errors: &mut RuleErrors) -> Option<String> {
        match o.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                errors.entry(path.into()).or_default().push("Give text here.".into());
                None
            }
        }
    }
    let mut req = LeadRequest {
        first_name: text(obj, "first_name", "first_name", &mut errors),
        last_name: text(obj, "last_name", "last_name", &mut errors),
        email: text(obj, "email", "email", &mut errors),
        phone: text(obj, "phone", "phone", &mut errors),
        birth_date: text(obj, "birth_date", "birth_date", &mut errors),
        zip: text(obj, "zip", "zip", &mut errors),
        state: text(obj, "state", "state", &mut errors),
        product_line: text(obj, "product_line", "product_line", &mut errors),
        message: text(obj, "message", "message", &mut errors),
        source: text(obj, "source", "source", &mut errors),
        external_id: text(obj, "external_id", "external_id", &mut errors),
        ..Default::default()
    };
    let strings = |v: Option<&Value>, path: &str, errors: &mut RuleErrors| -> Option<Vec<String>> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                Some(items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
            }
            Some(_) => {
                errors
                    .entry(path.into())
                    .or_default()
                    .push("Give a list of text values.".into());
                None
            }
        }
    };
    req.tags = strings(obj.get("tags"), "tags", &mut errors);
    match obj.get("consent") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) => {
            let mut consent = ConsentRequest {
                text: text(c, "text", "consent.text", &mut errors),
                given_at: text(c, "given_at", "consent.given_at", &mut errors),
                ip: text(c, "ip", "consent.ip", &mut errors),
                user_agent: text(c, "user_agent", "consent.user_agent", &mut errors),
                page_url: text(c, "page_url", "consent.page_url", &mut errors),
                ..Default::default()
            };
            consent.sellers = strings(c.get("sellers"), "consent.sellers", &mut errors);
            req.consent = Some(consent);
        }
        Some(_) => {
            errors
                .entry("consent".into())
                .or_default()
                .push("Give the consent as an object.".into());
        }
    }
    (req, errors)
}

/// The request's `Idempotency-Key` header, checked: none when it was not sent.
pub fn idempotency_key(req: &HttpRequest) -> AppResult<Option<String>> {
    match req.headers().get("idempotency-key").map(|v| v.to_str().map(str::trim)) {
        None => Ok(None),
        Some(Ok(k)) if !k.is_empty() && k.len() <= 200 => Ok(Some(k.to_string())),
        Some(_) => Err(AppError::field("Idempotency-Key", "Use 1 to 200 visible characters.")),
    }
}

/// The hash a request body is stored under beside its key.
pub fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The answer stored for this token's key, given again (a retry); a 422 when the key came
/// before with another body. Every API route that creates something answers retries this way.
pub async fn replay(state: &AppState, token: i64, key: &str, hash: &str) -> AppResult<Option<HttpResponse>> {
    let k = key.to_string();
    let Some((stored_hash, status, response)) = state.db.read(move |c| Ok(model::stored_answer(c, token, &k)?)).await?
    else {
        return Ok(None);
    };
    if stored_hash != hash {
        return Err(AppError::field(
            "Idempotency-Key",
            "This key was used before with a different request.",
        ));
    }
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    Ok(Some(
        HttpResponse::build(status)
            .content_type("application/json")
            .insert_header(("idempotent-replayed", "true"))
            .body(response),
    ))
}

/// Two requests with the same key at once: the loser answers what the winner stored.
pub async fn replay_after_conflict(state: &AppState, token: i64, key: &str, hash: &str) -> AppResult<HttpResponse> {
    replay(state, token, key, hash)
        .await?
        .ok_or_else(|| AppError::internal("idempotency conflict without a stored answer"))
}

/// What a creating request's closure answers: the new record (with its `url`), or the field
/// messages of a 422.
pub enum Answer {
    Created(Value),
    Refused(FieldErrors),
}

/// The body of a 422: the lead API's shape, field by field.
pub fn validation_body(fields: &FieldErrors) -> Value {
    json!({ "error": "validation", "message": "Some fields need attention.", "fields": fields.0 })
}

/// Every creating API route but the lead intake's: `Idempotency-Key` replays the first answer
/// (a refusal included) and records nothing; the body must be JSON; `make` runs in one write
/// transaction and its answer is stored with the key in the same one. 201 with `Location`, or
/// 422 with the field messages.
pub async fn create_once<F>(
    req: &HttpRequest,
    client: &ApiClient,
    state: &AppState,
    body: &[u8],
    make: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut crate::db::DbConnection, Value) -> Result<Answer, AppError> + Send + 'static,
{
    let key = idempotency_key(req)?;
    let hash = body_hash(body);
    if let Some(k) = &key {
        if let Some(answer) = replay(state, client.token_id, k, &hash).await? {
            return Ok(answer);
        }
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
    let (token, k, h) = (client.token_id, key.clone(), hash.clone());
    let result = state
        .db
        .write(move |c| {
            let (code, text) = match make(c, value)? {
                Answer::Created(b) => (201, b.to_string()),
                Answer::Refused(fields) => (422, validation_body(&fields).to_string()),
            };
            if let Some(k) = k {
                // The same request retried gets the same answer.
                model::store_answer(c, token, &k, &h, code, &text)?;
            }
            Ok((code, text))
        })
        .await;
    match result {
        Ok((201, text)) => {
            let url = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|b| b["url"].as_str().map(String::from))
                .unwrap_or_default();
            let mut res = HttpResponse::build(StatusCode::CREATED)
                .content_type("application/json")
                .body(text);
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&url) {
                res.headers_mut().insert(actix_web::http::header::LOCATION, v);
            }
            state.jobs_wakeup.notify_one();
            Ok(res)
        }
        Ok((_, text)) => Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
            .content_type("application/json")
            .body(text)),
        Err(AppError::Conflict(_)) if key.is_some() => {
            replay_after_conflict(state, client.token_id, &key.unwrap_or_default(), &hash).await
        }
        Err(e) => Err(e),
    }
}

/// Reads a JSON object leniently, as the lead API does: a number is taken for text ("lives": 2),
/// a number in text for a number ("carrier_id": "7") in `number_fields`, and anything else of the
/// wrong shape is a field error beside what could be read. Unknown fields are kept for serde to
/// ignore; nulls are left out.
pub fn lenient_object(v: &Value, number_fields: &[&str]) -> (Value, FieldErrors) {
    let mut errors = FieldErrors::new();
    let Some(obj) = v.as_object() else {
        errors.add("body", "Send a JSON object.");
        return (Value::Object(Default::default()), errors);
    };
    let mut clean = serde_json::Map::new();
    for (k, value) in obj {
        let numeric = number_fields.contains(&k.as_str());
        let taken = match (value, numeric) {
            (Value::Null, _) => None,
            (Value::Number(n), true) => match n.as_i64() {
                Some(i) => Some(Value::from(i)),
                None => {
                    errors.add(k, "Give a whole number here.");
                    None
                }
            },
            (Value::String(s), true) => match s.trim().parse::<i64>() {
                Ok(i) => Some(Value::from(i)),
                Err(_) if s.trim().is_empty() => None,
                Err(_) => {
                    errors.add(k, "Give a whole number here.");
                    None
                }
            },
            (Value::String(s), false) => Some(Value::String(s.clone())),
            (Value::Number(n), false) => Some(Value::String(n.to_string())),
            (_, true) => {
                errors.add(k, "Give a whole number here.");
                None
            }
            (_, false) => {
                errors.add(k, "Give text here.");
                None
            }
        };
        if let Some(t) = taken {
            clean.insert(k.clone(), t);
        }
    }
    (Value::Object(clean), errors)
}

/// Both sets of messages, field by field.
pub fn merge_errors(mut into: FieldErrors, more: FieldErrors) -> FieldErrors {
    for (field, messages) in more.0 {
        into.0.entry(field).or_default().extend(messages);
    }
    into
}

pub async fn create(
    req: HttpRequest,
    client: ApiClient,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let hash = body_hash(&body);
    if let Some(k) = &key {
        if let Some(answer) = replay(&state, client.token_id, k, &hash).await? {
            return Ok(answer);
        }
    }
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
    let today = now().date();
    // Every problem at once: the shapes that could not be read, and the rules on the rest.
    let (request, mut shape_errors) = request_from_json(&value);
    let parsed = match intake::validate_lead(&request, intake::SOURCE_API, today, chrono::Utc::now()) {
        Ok(lead) if shape_errors.is_empty() => Ok(lead),
        Ok(_) => Err(shape_errors),
        Err(rule_errors) => {
            for (field, messages) in rule_errors {
                shape_errors.entry(field).or_default().extend(messages);
            }
            Err(shape_errors)
        }
    };
    let lead = match parsed {
        Ok(l) => l,
        Err(fields) => {
            if let Some(k) = key {
                let answer =
                    json!({ "error": "validation", "message": "Some fields need attention.", "fields": fields });
                let (token, h) = (client.token_id, hash.clone());
                let text = answer.to_string();
                // The same bad request retried gets the same answer.
                let _ = state
                    .db
                    .write(move |c| Ok(model::store_answer(c, token, &k, &h, 422, &text)?))
                    .await;
            }
            return Err(validation(fields));
        }
    };
    let who = EventActor {
        id: None,
        label: format!("API: {}", client.name),
        api_token_id: Some(client.token_id),
    };
    let (token, k2, h2) = (client.token_id, key.clone(), hash.clone());
    let base = state.settings.base_url.clone();
    let (settings, caches) = (state.settings.clone(), state.caches.clone());
    let result = state
        .db
        .write(move |c| {
            let intook = service::intake_routed(c, &lead, &who, &settings, &caches, service::Routing::Now)?;
            let outcome = intook.outcome();
            let id = outcome.id();
            // A new lead is answered as intake stored and routed it; an attached one is read.
            let (lead_row, routing) = match intook {
                Intook::Created { lead, offer } => {
                    let routing = routing_json(&lead, offer);
                    (*lead, routing)
                }
                Intook::Attached(id) => {
                    let (lead, _) = model::find_lead(c, id)?;
                    let routing = routing_state(c, &lead)?;
                    (lead, routing)
                }
            };
            let body = json!({
                "routing": routing,
                "id": id, "status": lead_row.status, "url": format!("{base}/api/v1/leads/{id}"),
                "attached": matches!(outcome, IntakeOutcome::Attached(_)),
                "product_line": lead_row.product_line, "score": lead_row.score,
                "score_factors": serde_json::from_str::<Value>(&lead_row.score_factors).unwrap_or(Value::Null),
                "intent": lead_row.intent, "urgency": lead_row.urgency,
            });
            let code = if matches!(outcome, IntakeOutcome::Created(_)) {
                201
            } else {
                200
            };
            if let Some(k) = k2 {
                model::store_answer(c, token, &k, &h2, code, &body.to_string())?;
            }
            Ok((outcome, body))
        })
        .await;
    let (outcome, body) = match result {
        Ok(r) => r,
        // Two requests with the same key at once: the loser answers what the winner stored.
        Err(AppError::Conflict(_)) if key.is_some() => {
            return replay_after_conflict(&state, client.token_id, &key.unwrap_or_default(), &hash).await;
        }
        Err(e) => return Err(e),
    };
    state.jobs_wakeup.notify_one();
    let code = if matches!(outcome, IntakeOutcome::Created(_)) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut res = json_response(code, &body);
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(body["url"].as_str().unwrap_or_default()) {
        res.headers_mut().insert(actix_web::http::header::LOCATION, v);
    }
    Ok(res)
}

/// May this client read the lead? With `leads:read` every lead; with `leads:write` alone only the
/// leads this token sent (anything else is answered as if it did not exist).
pub fn may_read(client: &ApiClient, lead: &model::LeadRow) -> bool {
    client.has(Scope::LeadsRead) || (client.has(Scope::LeadsWrite) && lead.api_token_id == Some(client.token_id))
}

pub async fn show(client: ApiClient, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (lead, contact, events, routing) = state
        .db
        .read(move |c| {
            let (l, ct) = model::find_lead(c, id)?;
            if !may_read(&client, &l) {
                return Err(AppError::NotFound);
            }
            let routing = routing_state(c, &l)?;
            Ok((l, ct, model::events_of(c, id)?.len(), routing))
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "id": lead.id, "status": lead.status, "source": lead.source, "product_line": lead.product_line,
            "message": lead.message, "external_id": lead.external_id, "assigned_agent_id": lead.assigned_agent_id,
            "has_consent": lead.has_consent, "tags": lead.tags.split(',').filter(|t| !t.is_empty()).collect::<Vec<_>>(),
            "score": lead.score, "score_factors": serde_json::from_str::<Value>(&lead.score_factors).unwrap_or(Value::Null),
            "intent": lead.intent, "urgency": lead.urgency, "scored_by": lead.scored_by,
            "created_at": lead.created_at.and_utc().to_rfc3339(), "updated_at": lead.updated_at.and_utc().to_rfc3339(),
            "events": events,
            "routing": routing,
            "contact": {
                "first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email,
                "phone": contact.phone, "zip": contact.zip, "state": contact.state, "city": contact.city,
                "do_not_call": contact.do_not_call,
            },
            "url": format!("{}/api/v1/leads/{}", state.settings.base_url, lead.id),
        }),
    ))
}

/// The benchmark's ceiling: the same token check and JSON parse as intake, then one row inserted,
/// and nothing else. Answers 404 unless `AE_BENCH_ENDPOINTS` is set.
pub async fn bench_bare(_client: ApiClient, state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    if !state.settings.bench_endpoints {
        return Err(AppError::NotFound);
    }
    let value: Value =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?;
    let text = value.to_string();
    let id = state
        .db
        .write(move |c| {
            use crate::db::schema::bench_rows;
            use diesel::prelude::*;
            Ok(diesel::insert_into(bench_rows::table)
                .values((bench_rows::body.eq(text), bench_rows::created_at.eq(now())))
                .returning(bench_rows::id)
                .get_result::<i64>(c)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(json!({ "id": id })))
}

/// The OpenAPI 3 description of the lead API (`startup::openapi_document` adds the other domains' parts).
pub fn openapi_document() -> Value {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Agency Engine API",
            "version": "1",
            "description": "Send leads to Agency Engine. Authenticate with `Authorization: Bearer <token>` (create tokens on the API tokens page or with `agency-engine create-api-token`). Each token has scopes, chosen when it is created: `leads:write` sends leads and reads back only the leads that token sent; `leads:read` reads every lead. A route the token's scopes do not open answers 403; a lead the token may not read answers 404. Send an `Idempotency-Key` header to make retries safe: a retried request with the same key and body gets the first answer and creates nothing."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Consent": {
                    "type": "object", "required": ["text"],
                    "properties": {
                        "text": { "type": "string", "description": "The exact consent text shown to the person." },
                        "given_at": { "type": "string", "format": "date-time" },
                        "ip": { "type": "string" }, "user_agent": { "type": "string" },
                        "page_url": { "type": "string", "format": "uri" },
                        "sellers": { "type": "array", "items": { "type": "string" } }
                    }
                },
                "LeadRequest": {
                    "type": "object", "required": ["first_name", "last_name"],
                    "description": "At least one of email or phone is required.",
                    "properties": {
                        "first_name": { "type": "string" }, "last_name": { "type": "string" },
                        "email": { "type": "string", "format": "email" }, "phone": { "type": "string" },
                        "birth_date": { "type": "string", "format": "date" }, "zip": { "type": "string" },
                        "state": { "type": "string" },
                        "product_line": { "type": "string", "enum": crate::domain::ProductLine::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>() },
                        "message": { "type": "string" }, "source": { "type": "string" }, "external_id": { "type": "string" },
                        "tags": { "type": "array", "items": { "type": "string" } },
                        "consent": { "$ref": "#/components/schemas/Consent" }
                    }
                },
                "LeadAccepted": {
                    "type": "object", "required": ["id", "status", "url"],
                    "properties": {
                        "id": { "type": "integer" }, "status": { "type": "string" }, "url": { "type": "string" },
                        "attached": { "type": "boolean", "description": "True when the request was attached to the person's open lead." },
                        "product_line": { "type": "string", "description": "As given, or read from the message when none was given." },
                        "score": { "type": "integer", "minimum": 0, "maximum": 100 },
                        "score_factors": { "type": "array", "items": { "type": "object", "properties": { "key": { "type": "string" }, "label": { "type": "string" }, "points": { "type": "number" } } } },
                        "intent": { "type": "string", "enum": ["quote", "question", "complaint", "service"] },
                        "urgency": { "type": "string", "enum": ["low", "normal", "high"] },
                        "routing": { "type": "object", "description": "assigned_agent, or offer {agent_id, deadline}, or unassigned_reason" }
                    }
                },
                "Lead": { "type": "object", "properties": { "id": { "type": "integer" }, "status": { "type": "string" }, "contact": { "type": "object" } } },
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {
                        "error": { "type": "string" }, "message": { "type": "string" },
                        "fields": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "string" } } }
                    }
                }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/leads": {
                "post": {
                    "summary": "Send a lead",
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 200 } }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LeadRequest" } } } },
                    "responses": {
                        "201": { "description": "Created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LeadAccepted" } } } },
                        "200": { "description": "Attached to the person's open lead", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LeadAccepted" } } } },
                        "400": { "description": "Not JSON", "content": { "application/json": { "schema": error } } },
                        "401": { "description": "Missing or revoked token", "content": { "application/json": { "schema": error } } },
                        "403": { "description": "The token lacks the leads:write scope", "content": { "application/json": { "schema": error } } },
                        "422": { "description": "Validation failed; `fields` names each bad field", "content": { "application/json": { "schema": error } } },
                        "429": { "description": "Rate limited", "content": { "application/json": { "schema": error } } }
                    }
                }
            },
            "/api/v1/bench/bare": {
                "post": {
                    "summary": "Benchmark ceiling (only with AE_BENCH_ENDPOINTS=1)",
                    "description": "Parses a lead body and inserts one row, nothing else: the load test's measure of what the server could do at most. Answers 404 unless the server was started with AE_BENCH_ENDPOINTS=1.",
                    "security": [{ "bearer": [] }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/LeadRequest" } } } },
                    "responses": { "201": { "description": "One row inserted." }, "404": { "description": "Benchmark endpoints are off." } }
                }
            },
            "/api/v1/leads/{id}": {
                "get": {
                    "summary": "Read a lead (scope leads:read, or leads:write for the leads this token sent)",
                    "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                    "responses": {
                        "200": { "description": "The lead", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Lead" } } } },
                        "401": { "description": "Missing or revoked token", "content": { "application/json": { "schema": error } } },
                        "403": { "description": "The token has neither leads:read nor leads:write", "content": { "application/json": { "schema": error } } },
                        "404": { "description": "No such lead, or one this token may not read (with leads:write alone, a token reads only the leads it sent)", "content": { "application/json": { "schema": error } } }
                    }
                }
            },
            "/api/v1/whoami": {
                "get": {
                    "summary": "Check a token",
                    "responses": { "200": { "description": "The token's name and scopes" }, "401": { "description": "Missing or revoked token" } }
                }
            }
        }
    })
}
