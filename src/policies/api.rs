//! The policy API: `GET /api/v1/policies` (the list's filters, keyset cursor),
//! `GET /api/v1/policies/{id}`, and `POST /api/v1/policies` with the form's validation
//! (`service::validate`), the lead API's error shape (422 with field messages) and its
//! idempotency (`Idempotency-Key`: a retry gets the first answer and records nothing) (item 13).
//!
//! Scopes: `policies:read` reads every policy; `policies:write` records policies and reads them.
//! A token acts as an admin would (`Viewer::api`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::lists::{parse_query, url_with, PolicyQuery};
use super::model::lists::list_policies;
use super::model::{self, PolicyRow};
use super::service::{self, PolicyInput, Viewer};
use crate::auth::scopes::Scope;
use crate::auth::ApiClient;
use crate::domain::policy::PolicySource;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::leads::api::{create_once, lenient_object, merge_errors, Answer};
use crate::leads::model::Scope as Seen;
use crate::web::routes::{Access, Routes};
use crate::web::AppState;

const READ: &[Scope] = &[Scope::PoliciesRead, Scope::PoliciesWrite];

/// This part's pages and endpoints.
pub fn routes(r: &mut Routes) {
    r.get("/api/v1/policies", Access::Api(READ), list)
        .post("/api/v1/policies", Access::Api(&[Scope::PoliciesWrite]), create)
        .get("/api/v1/policies/{id}", Access::Api(READ), show);
}

/// A policy as the API and the webhooks give it.
pub fn policy_json(p: &PolicyRow) -> Value {
    json!({
        "id": p.id,
        "policy_number": p.policy_number,
        "status": p.status.as_str(),
        "contact_id": p.contact_id,
        "insured_name": p.insured_name,
        "agent_id": p.agent_id,
        "carrier_id": p.carrier_id,
        "product_id": p.product_id,
        "product_line": p.product_line.as_str(),
        "lead_id": p.lead_id,
        "soa_id": p.soa_id,
        "renewal_of_id": p.renewal_of_id,
        "submitted_on": p.submitted_on.to_string(),
        "effective_on": p.effective_on.to_string(),
        "term_end_on": p.term_end_on.to_string(),
        "premium_cents": p.premium_cents,
        "billing_frequency": p.billing_frequency.as_str(),
        "lives": p.lives,
        "plan_year": p.plan_year,
        "enrollment_type": p.enrollment_type.map(|e| e.as_str()),
        "coverage": p.coverage,
        "insured_state": p.insured_state,
        "cancel_reason": p.cancel_reason,
        "cancelled_on": p.cancelled_on.map(|d| d.to_string()),
        "source": p.source.as_str(),
        "created_at": p.created_at.and_utc().to_rfc3339(),
        "updated_at": p.updated_at.and_utc().to_rfc3339(),
    })
}

fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// The fields that take a number (ids and `premium_cents`); every other field is text.
const NUMBER_FIELDS: &[&str] = &[
    "contact_id",
    "agent_id",
    "carrier_id",
    "product_id",
    "lead_id",
    "soa_id",
    "premium_cents",
];

/// Reads the JSON body leniently, like the lead API (`lenient_object`): ids and `premium_cents`
/// take numbers, every other field text. Unknown fields are ignored.
pub fn input_from_json(v: &Value) -> (PolicyInput, FieldErrors) {
    let (clean, errors) = lenient_object(v, NUMBER_FIELDS);
    (serde_json::from_value(clean).unwrap_or_default(), errors)
}

pub async fn create(
    req: HttpRequest,
    client: ApiClient,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let viewer = Viewer::api(client.token_id, &client.name);
    let base = state.settings.base_url.clone();
    create_once(&req, &client, &state, &body, move |c, value| {
        let (input, shape_errors) = input_from_json(&value);
        // Every problem at once: the shapes that could not be read, and the rules on the rest.
        let outcome = if shape_errors.is_empty() {
            service::create(c, &viewer, None, &input, PolicySource::Api)
        } else {
            match service::validate(c, &viewer, &input, PolicySource::Api) {
                Ok(_) => Err(AppError::Validation(shape_errors)),
                Err(AppError::Validation(rules)) => Err(AppError::Validation(merge_errors(shape_errors, rules))),
                Err(other) => Err(other),
            }
        };
        match outcome {
            Ok(id) => {
                let mut body = policy_json(&model::find(c, id)?);
                body["url"] = json!(format!("{base}/api/v1/policies/{id}"));
                Ok(Answer::Created(body))
            }
            Err(AppError::Validation(fields)) => Ok(Answer::Refused(fields)),
            Err(other) => Err(other),
        }
    })
    .await
}

pub async fn show(_client: ApiClient, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let p = state
        .db
        .read(move |c| match model::find(c, id) {
            Ok(p) => Ok(p),
            Err(diesel::result::Error::NotFound) => Err(AppError::NotFound),
            Err(e) => Err(e.into()),
        })
        .await?;
    let mut body = policy_json(&p);
    body["url"] = json!(format!("{}/api/v1/policies/{}", state.settings.base_url, p.id));
    Ok(json_response(StatusCode::OK, &body))
}

/// The list's query, with the page size (1 to 200, 50 unless given).
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    pub q: PolicyQuery,
    pub limit: Option<String>,
}

pub async fn list(
    _client: ApiClient,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let limit = query
        .limit
        .as_deref()
        .and_then(|l| l.trim().parse::<i64>().ok())
        .filter(|l| (1..=200).contains(l))
        .unwrap_or(50);
    let parsed = parse_query(&query.q, true);
    let p = parsed.clone();
    let (rows, more) = state
        .db
        .read(move |c| Ok(list_policies(c, &Seen::All, &p.filter, p.sort, p.after, limit)?))
        .await?;
    let next_cursor = if more { rows.last().map(|r| r.id) } else { None };
    let mut echo = parsed.echo.clone();
    if query.limit.is_some() {
        echo.push(("limit", limit.to_string()));
    }
    let body = json!({
        "policies": rows.iter().map(policy_json).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
        "next": next_cursor.map(|a| format!("{}{}", state.settings.base_url, url_with("/api/v1/policies", &echo, Some(a)))),
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// The OpenAPI paths and schemas of the policy API, merged into the lead API's document by
/// `startup::openapi_document`.
pub fn openapi_parts() -> (Value, Value) {
    let error = json!({ "$ref": "#/components/schemas/Error" });
    let policy = json!({ "$ref": "#/components/schemas/Policy" });
    let statuses: Vec<&str> = crate::domain::policy::PolicyStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let frequencies: Vec<&str> = crate::domain::policy::BillingFrequency::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let enrollment: Vec<&str> = crate::domain::policy::EnrollmentType::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let q = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } });
    let schemas = json!({
        "PolicyRequest": {
            "type": "object",
            "required": ["agent_id", "carrier_id", "product_id", "policy_number", "submitted_on", "effective_on", "billing_frequency", "state"],
            "description": "The insured is contact_id, or a new one from first_name and last_name. Give premium (dollars, \"89.50\") or premium_cents. Medicare products also need enrollment_type (plan_year defaults to the effective date's year).",
            "properties": {
                "contact_id": { "type": "integer" }, "first_name": { "type": "string" }, "last_name": { "type": "string" },
                "email": { "type": "string", "format": "email" }, "phone": { "type": "string" },
                "street": { "type": "string" }, "city": { "type": "string" }, "state": { "type": "string" }, "zip": { "type": "string" },
                "agent_id": { "type": "integer" }, "carrier_id": { "type": "integer" }, "product_id": { "type": "integer" },
                "lead_id": { "type": "integer" }, "soa_id": { "type": "integer" },
                "policy_number": { "type": "string", "description": "Unique at the carrier." },
                "submitted_on": { "type": "string", "format": "date" }, "effective_on": { "type": "string", "format": "date" },
                "term_end_on": { "type": "string", "format": "date", "description": "Default: a year after the effective date." },
                "premium": { "type": "string" }, "premium_cents": { "type": "integer", "minimum": 0 },
                "billing_frequency": { "type": "string", "enum": frequencies },
                "lives": { "type": "integer", "minimum": 1, "maximum": 999 },
                "plan_year": { "type": "integer" },
                "enrollment_type": { "type": "string", "enum": enrollment },
                "coverage": { "type": "string" }
            }
        },
        "Policy": {
            "type": "object",
            "properties": {
                "id": { "type": "integer" }, "policy_number": { "type": "string" },
                "status": { "type": "string", "enum": statuses }, "insured_name": { "type": "string" },
                "contact_id": { "type": "integer" }, "agent_id": { "type": "integer" }, "carrier_id": { "type": "integer" },
                "product_id": { "type": "integer" }, "product_line": { "type": "string" },
                "effective_on": { "type": "string", "format": "date" }, "term_end_on": { "type": "string", "format": "date" },
                "premium_cents": { "type": "integer" }, "billing_frequency": { "type": "string" },
                "lives": { "type": "integer" }, "source": { "type": "string" }, "url": { "type": "string" }
            }
        },
        "PolicyList": {
            "type": "object",
            "properties": {
                "policies": { "type": "array", "items": policy },
                "next_cursor": { "type": "integer", "nullable": true, "description": "Give it as `after` for the next page." },
                "next": { "type": "string", "nullable": true }
            }
        }
    });
    let paths = json!({
        "/api/v1/policies": {
            "get": {
                "summary": "List policies (scope policies:read or policies:write)",
                "parameters": [
                    q("q", "Words each found in the insured's name or the policy number"),
                    q("status", "A policy status"), q("carrier", "A carrier id"), q("product", "A product id"),
                    q("renewal", "The term end's month, YYYY-MM"), q("agent", "The writing agent's id"),
                    q("sort", "effective, term_end, premium, insured or number (default: newest first)"),
                    q("after", "The cursor: next_cursor of the page before"), q("limit", "1 to 200 (default 50)")
                ],
                "responses": {
                    "200": { "description": "A page of policies", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PolicyList" } } } },
                    "401": { "description": "Missing or revoked token", "content": { "application/json": { "schema": error } } },
                    "403": { "description": "The token has neither policies:read nor policies:write", "content": { "application/json": { "schema": error } } }
                }
            },
            "post": {
                "summary": "Record a policy, in Draft (scope policies:write)",
                "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 200 } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PolicyRequest" } } } },
                "responses": {
                    "201": { "description": "Recorded", "content": { "application/json": { "schema": policy } } },
                    "400": { "description": "Not JSON", "content": { "application/json": { "schema": error } } },
                    "401": { "description": "Missing or revoked token", "content": { "application/json": { "schema": error } } },
                    "403": { "description": "The token lacks the policies:write scope", "content": { "application/json": { "schema": error } } },
                    "422": { "description": "Validation failed; `fields` names each bad field", "content": { "application/json": { "schema": error } } }
                }
            }
        },
        "/api/v1/policies/{id}": {
            "get": {
                "summary": "Read a policy (scope policies:read or policies:write)",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": {
                    "200": { "description": "The policy", "content": { "application/json": { "schema": policy } } },
                    "401": { "description": "Missing or revoked token", "content": { "application/json": { "schema": error } } },
                    "403": { "description": "The token has neither policies:read nor policies:write", "content": { "application/json": { "schema": error } } },
                    "404": { "description": "No such policy", "content": { "application/json": { "schema": error } } }
                }
            }
        }
    });
    (paths, schemas)
}
