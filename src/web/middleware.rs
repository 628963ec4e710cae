//! Middleware: request ids, logs and metrics; access control with CSRF and rate limits;
//! security headers.

use std::time::Instant;

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use tracing::Instrument;

use crate::auth;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::web::context::{self, client_ip, SESSION_CSRF};
use crate::web::csrf;
use crate::web::routes::{Access, RateLimit};
use crate::web::AppState;

#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Gives every request an id (logged, and returned as X-Request-Id), logs one line per request
/// and records metrics by route pattern.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    let path = req.path().to_string();
    let route = state
        .as_ref()
        .and_then(|s| s.routes.find(&method, &path).map(|r| r.path.to_string()))
        .unwrap_or_else(|| {
            if path.starts_with("/static/") {
                "/static".into()
            } else {
                "unmatched".into()
            }
        });
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(s) = &state {
        s.metrics
            .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    }
    span.in_scope(|| tracing::info!(path = %path, status, ms = elapsed.as_secs_f64() * 1000.0, "handled"));
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// Content-Security-Policy without inline script, and the other headers every page carries.
pub fn security_headers(https: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if https {
        h = h.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"));
    }
    h
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Largest form body read while looking for the CSRF field.
const FORM_LIMIT: usize = 256 * 1024;

/// Enforces each route's access rule, the rate limits, and the CSRF token on state changes.
pub async fn access_control(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(spec) = state.routes.find(req.method(), req.path()).cloned() else {
        // Static files and unknown paths: nothing to guard. An unknown path answers 404 with the
        // signed-in user's navigation, so it needs to know who is asking.
        if !req.path().starts_with("/static/") {
            let ip = client_ip(req.request(), &state.settings);
            if let Ok(Some(user)) = auth::session_user(
                &state.db,
                auth::SessionPolicy::of(&state.settings),
                &req.get_session(),
                ip,
            )
            .await
            {
                req.extensions_mut().insert::<CurrentUser>(user);
            }
        }
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let ip = client_ip(req.request(), &state.settings);
    let is_api = spec.access.is_api() || req.path().starts_with("/api/");

    // Rate limits.
    let limiter = if is_api {
        Some(&state.limits.api)
    } else if spec.limit == Some(RateLimit::SignIn) {
        Some(&state.limits.login)
    } else if spec.limit == Some(RateLimit::PublicForm) {
        Some(&state.limits.forms)
    } else {
        None
    };
    if let Some(limiter) = limiter {
        if let Err(not_until) = limiter.check_key(&ip) {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            let err = AppError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            };
            return Ok(req.error_response(err).map_into_right_body());
        }
    }

    // Who is asking.
    if let Access::Api(needed) = spec.access {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_string());
        let client = match token {
            Some(t) => auth::api_client(&state.db, t).await,
            None => Ok(None),
        };
        match client {
            Ok(Some(client)) if !auth::scopes::allows(&client.scopes, needed) => {
                let names: Vec<&str> = needed.iter().map(|s| s.as_str()).collect();
                let err = AppError::ForbiddenBecause(format!(
                    "This token may not do this: it needs the scope {}. Create a token with that scope on the API tokens page.",
                    names.join(" or ")
                ));
                return Ok(req.error_response(err).map_into_right_body());
            }
            Ok(Some(client)) => {
                req.extensions_mut().insert(client);
                return Ok(next.call(req).await?.map_into_left_body());
            }
            Ok(None) => return Ok(req.error_response(AppError::Unauthorized).map_into_right_body()),
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        }
    }
    // Who the pages speak for (from memory nearly always; see `agency::AgencyCache`).
    match state.agency.get(&state.db).await {
        Ok(agency) => {
            req.extensions_mut().insert(agency);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the agency's settings"),
    }
    let session = req.get_session();
    let user = match auth::session_user(
        &state.db,
        auth::SessionPolicy::of(&state.settings),
        &session,
        ip.clone(),
    )
    .await
    {
        Ok(u) => u,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    if let Some(u) = &user {
        req.extensions_mut().insert::<CurrentUser>(u.clone());
    }
    if !spec.access.allows(user.as_ref().map(|u| u.role)) {
        if user.is_some() {
            return Ok(req.error_response(AppError::Forbidden).map_into_right_body());
        }
        if is_api || req.method() != Method::GET {
            return Ok(req.error_response(AppError::Unauthorized).map_into_right_body());
        }
        let target = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{}", req.path(), q),
        };
        let location = format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
        );
        let res = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish();
        return Ok(req.into_response(res).map_into_right_body());
    }

    // CSRF: every state change made with a session comes from this site and carries the session's
    // token, in a header or in the body (never the address, which lands in history and logs).
    if is_unsafe(req.method()) && !is_api {
        let header_text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        if !csrf::from_this_site(
            header_text("origin"),
            header_text("sec-fetch-site"),
            header_text("host"),
            &state.settings.base_url,
        ) {
            let err = AppError::ForbiddenBecause(
                "This form was sent from another site. Open Agency Engine itself and try again.".into(),
            );
            return Ok(req.error_response(err).map_into_right_body());
        }
        let expected: Option<String> = session.get(SESSION_CSRF).ok().flatten();
        let mut given = header_text("x-csrf-token").map(str::to_string);
        let content_type = header_text("content-type").unwrap_or("").to_string();
        if given.is_none() && content_type.starts_with("application/x-www-form-urlencoded") {
            let mut payload = req.take_payload();
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk?;
                if body.len() + chunk.len() > FORM_LIMIT {
                    let err = AppError::BadRequest("The form is too large.".into());
                    return Ok(req.error_response(err).map_into_right_body());
                }
                body.extend_from_slice(&chunk);
            }
            let body: Bytes = body.freeze();
            given = url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.into_owned());
            req.set_payload(actix_web::dev::Payload::from(body));
        } else if given.is_none() && content_type.starts_with("multipart/form-data") {
            let boundary = req
                .mime_type()
                .ok()
                .flatten()
                .and_then(|m| m.get_param("boundary").map(|b| b.as_str().to_string()));
            if let Some(boundary) = boundary {
                // Read only the first part; the rest of the upload streams on to the handler.
                let mut payload = req.take_payload();
                let mut head = web::BytesMut::new();
                loop {
                    match csrf::multipart_token(&head, &boundary) {
                        csrf::FirstPart::Token(t) => {
                            given = Some(t);
                            break;
                        }
                        csrf::FirstPart::NoToken => break,
                        csrf::FirstPart::Incomplete => match payload.next().await {
                            Some(chunk) => head.extend_from_slice(&chunk?),
                            None => break,
                        },
                    }
                }
                let head = head.freeze();
                let rest = futures_util::stream::once(async move { Ok(head) }).chain(payload);
                req.set_payload(actix_web::dev::Payload::Stream {
                    payload: Box::pin(rest),
                });
            }
        }
        let ok = matches!((&expected, &given), (Some(e), Some(g)) if context::tokens_match(e, g));
        if !ok {
            let err = AppError::BadRequest(
                "This form has expired or did not come from this site. Reload the page and try again.".into(),
            );
            let mut res = req.error_response(err);
            *res.response_mut().status_mut() = actix_web::http::StatusCode::FORBIDDEN;
            return Ok(res.map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
