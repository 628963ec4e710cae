//! How the application's errors (`crate::error`) become responses: a browser gets an HTML page,
//! `/api` gets JSON; internal causes go to the log with the request id and never reach the user.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::{AppError, FieldErrors};
use crate::web::context::PageCtx;

/// Carried on an error response so the error renderer can say what happened.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub fields: Option<FieldErrors>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = %cause, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after } = self {
            res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        let mut res = res.finish();
        res.extensions_mut().insert(ErrorInfo {
            code: self.code(),
            message: self.public_message(),
            fields: match self {
                AppError::Validation(f) => Some(f.clone()),
                _ => None,
            },
        });
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    title: String,
    message: String,
    fields: Vec<(String, String)>,
}

fn default_message(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("bad_request", "The request could not be understood."),
        401 => ("unauthorized", "Please sign in."),
        403 => ("forbidden", "You do not have permission to do that."),
        404 => ("not_found", "The page you asked for does not exist."),
        405 => ("method_not_allowed", "That action is not available here."),
        413 => ("payload_too_large", "What you sent is too large."),
        415 => ("unsupported_media_type", "That content type is not accepted here."),
        422 => ("validation", "Some fields need attention."),
        429 => ("rate_limited", "Too many requests. Please wait a moment."),
        503 => ("unavailable", "The service is unavailable right now."),
        _ if status.is_server_error() => ("internal", "Something went wrong on our side. Please try again."),
        _ => ("error", "The request could not be completed."),
    }
}

/// Renders every error response that has no page of its own: HTML for people, JSON under /api.
pub fn render_error<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let has_own_body = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"))
        .unwrap_or(false);
    if has_own_body {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let info = res
        .response()
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .unwrap_or_else(|| {
            let (code, message) = default_message(status);
            ErrorInfo {
                code,
                message: message.into(),
                fields: None,
            }
        });
    let (req, old) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let wants_json = req.path().starts_with("/api/")
        || req.path() == "/api"
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("application/json"));
    let new = if wants_json {
        let mut body = serde_json::json!({ "error": info.code, "message": info.message });
        if let Some(fields) = &info.fields {
            body["fields"] = serde_json::to_value(fields).unwrap_or_default();
        }
        builder.content_type("application/json").body(body.to_string())
    } else {
        let page = ErrorPage {
            ctx: PageCtx::for_error(&req),
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            message: info.message,
            fields: info
                .fields
                .map(|f| f.0.into_iter().map(|(k, v)| (k, v.join(" "))).collect())
                .unwrap_or_default(),
        };
        match page.render() {
            Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                builder
                    .content_type("text/plain; charset=utf-8")
                    .body(status.to_string())
            }
        }
    };
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// Wraps a body type so error handlers can swap it.
pub type Either<B> = EitherBody<B, BoxBody>;

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::ErrorHandlers;
    use actix_web::{test, web, App};

    use crate::error::AppResult;

    async fn boom() -> AppResult<HttpResponse> {
        Err(AppError::internal("the disk caught fire at /var/secret"))
    }

    async fn invalid() -> AppResult<HttpResponse> {
        Err(AppError::field("email", "Enter a valid e-mail address."))
    }

    #[actix_web::test]
    async fn a_server_error_is_a_page_that_hides_its_cause() {
        let app = test::init_service(
            App::new()
                .wrap(ErrorHandlers::new().default_handler(render_error))
                .route("/boom", web::get().to(boom))
                .route("/api/v1/boom", web::get().to(boom)),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(body.contains("<html") && body.contains("Something went wrong on our side"));
        assert!(!body.contains("disk caught fire"), "the cause stays in the log");

        let res = test::call_service(&app, test::TestRequest::get().uri("/api/v1/boom").to_request()).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let json: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(json["error"], "internal");
        assert!(!json.to_string().contains("disk caught fire"));
    }

    #[actix_web::test]
    async fn validation_errors_name_their_fields_in_html_and_json() {
        let app = test::init_service(
            App::new()
                .wrap(ErrorHandlers::new().default_handler(render_error))
                .route("/form", web::post().to(invalid))
                .route("/api/v1/form", web::post().to(invalid)),
        )
        .await;
        let res = test::call_service(&app, test::TestRequest::post().uri("/form").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        assert!(body.contains("email") && body.contains("Enter a valid e-mail address."));
        let res = test::call_service(&app, test::TestRequest::post().uri("/api/v1/form").to_request()).await;
        let json: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(json["error"], "validation");
        assert_eq!(json["fields"]["email"][0], "Enter a valid e-mail address.");
    }
}
