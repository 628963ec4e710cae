use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::audit::model::{self as audit_model, AuditFilter, AuditRow};
use crate::auth::model::{self, AccountTokenRow, UserFilter, UserRow};
use crate::auth::roles::Role;
use crate::auth::service::{self, Invitation};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::{is_partial, PageCtx};
use crate::web::pagination::{Page, Pager};
use crate::web::{non_empty, redirect_with, render, render_status, AppState};

#[derive(Debug, Default, serde::Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "users/index.html", blocks = ["results"])]
struct UsersPage {
    ctx: PageCtx,
    q: String,
    role: String,
    status: String,
    roles: [Role; 5],
    rows: Vec<UserRow>,
    pager: Pager,
}

impl UsersPage {
    fn url(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", &self.q), ("role", &self.role), ("status", &self.status)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let qs = s.finish();
        if qs.is_empty() {
            "/admin/users".into()
        } else {
            format!("/admin/users?{qs}")
        }
    }

    fn prev_url(&self) -> String {
        self.url(self.pager.prev())
    }

    fn next_url(&self) -> String {
        self.url(self.pager.next())
    }

    fn filtered(&self) -> bool {
        !(self.q.is_empty() && self.role.is_empty() && self.status.is_empty())
    }
}

pub async fn index(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<UsersQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let role = non_empty(&query.role).and_then(|r| r.parse::<Role>().ok());
    let status = match non_empty(&query.status) {
        Some("active") => "active",
        Some("deactivated") => "deactivated",
        _ => "",
    };
    let filter = UserFilter {
        q: non_empty(&query.q).map(|s| s.chars().take(100).collect()),
        role,
        active: match status {
            "active" => Some(true),
            "deactivated" => Some(false),
            _ => None,
        },
    };
    let page = Page::from_query(query.page.as_deref(), Page::DEFAULT_PER_PAGE);
    let f = filter.clone();
    let (rows, total) = state
        .db
        .read(move |c| Ok(model::list_users(c, &f, page.offset(), page.per_page)?))
        .await?;
    let view = UsersPage {
        ctx,
        q: filter.q.unwrap_or_default(),
        role: role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        status: status.into(),
        roles: Role::ALL,
        rows,
        pager: Pager::new(page, total),
    };
    if is_partial(&req) {
        return render(&view.as_results());
    }
    render(&view)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct InviteForm {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewUserPage {
    ctx: PageCtx,
    email: String,
    name: String,
    role: String,
    roles: Vec<Role>,
    errors: FieldErrors,
}

fn invitable_roles(user: &CurrentUser) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| crate::auth::roles::may_invite(user.actor(), *r).is_ok())
        .collect()
}

pub async fn new_form(ctx: PageCtx, user: CurrentUser) -> AppResult<HttpResponse> {
    render(&NewUserPage {
        ctx,
        email: String::new(),
        name: String::new(),
        role: "agent".into(),
        roles: invitable_roles(&user),
        errors: FieldErrors::new(),
    })
}

pub async fn invite(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let raw = |v: &Option<String>| v.clone().unwrap_or_default();
    let invalid = |ctx: PageCtx, errors: FieldErrors| {
        let page = NewUserPage {
            ctx,
            email: raw(&form.email),
            name: raw(&form.name),
            role: raw(&form.role),
            roles: invitable_roles(&user),
            errors,
        };
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let inv = match Invitation::parse(&raw(&form.email), &raw(&form.name), &raw(&form.role)) {
        Ok(inv) => inv,
        Err(errors) => return invalid(ctx, errors),
    };
    let who = user.audit();
    let (actor, inviter) = (user.actor(), user.name.clone());
    let settings = state.settings.clone();
    let email = inv.email.clone();
    match state
        .db
        .write(move |c| crate::users::service::invite(c, actor, &who, &inviter, &inv, &settings))
        .await
    {
        Ok(id) => {
            state.jobs_wakeup.notify_one();
            Ok(redirect_with(
                &session,
                &format!("/admin/users/{id}"),
                "success",
                format!("Invitation sent to {email}."),
            ))
        }
        Err(AppError::Validation(errors)) => invalid(ctx, errors),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct UserPage {
    ctx: PageCtx,
    user: UserRow,
    is_self: bool,
    roles: Vec<Role>,
    invitation: Option<AccountTokenRow>,
    activity: Vec<AuditRow>,
}

impl UserPage {
    fn invitation_state(&self) -> &'static str {
        match &self.invitation {
            _ if self.user.has_password() => "",
            None => "No invitation sent",
            Some(t) if t.used_at.is_some() => "Invitation used",
            Some(t) if t.expires_at <= crate::db::now() => "Invitation expired",
            Some(_) => "Invitation pending",
        }
    }
}

pub async fn show(
    ctx: PageCtx,
    viewer: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (user, invitation, activity) = state
        .db
        .read(move |c| {
            let user = model::find_user(c, id)?;
            let invitation = model::latest_invitation(c, id)?;
            let filter = AuditFilter {
                entity: Some("user".into()),
                entity_id: Some(id),
                q: None,
            };
            let (activity, _) = audit_model::list(c, &filter, None, 20)?;
            Ok((user, invitation, activity))
        })
        .await?;
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Owner || viewer.role == Role::Owner)
        .collect();
    render(&UserPage {
        ctx,
        is_self: user.id == viewer.id,
        user,
        roles,
        invitation,
        activity,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RoleForm {
    role: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConfirmForm {
    confirm: Option<String>,
}

fn back_to(id: i64) -> String {
    format!("/admin/users/{id}")
}

/// A refused change goes back to the user's page with the reason.
fn outcome(session: &Session, id: i64, result: AppResult<String>) -> AppResult<HttpResponse> {
    match result {
        Ok(msg) => Ok(redirect_with(session, &back_to(id), "success", msg)),
        Err(AppError::Conflict(msg)) => Ok(redirect_with(session, &back_to(id), "error", msg)),
        Err(e) => Err(e),
    }
}

pub async fn change_role(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let role = form
        .role
        .as_deref()
        .unwrap_or_default()
        .parse::<Role>()
        .map_err(|m| AppError::field("role", &m))?;
    let (actor, who) = (user.actor(), user.audit());
    let result = state
        .db
        .write(move |c| crate::users::service::change_role(c, actor, &who, id, role))
        .await;
    outcome(&session, id, result)
}

fn confirmed(form: &ConfirmForm) -> AppResult<()> {
    match form.confirm.as_deref() {
        Some("yes") => Ok(()),
        _ => Err(AppError::field("confirm", "Tick the box to confirm.")),
    }
}

pub async fn deactivate(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    if confirmed(&form).is_err() {
        return Ok(redirect_with(
            &session,
            &back_to(id),
            "error",
            "Tick the confirmation box to deactivate this user.",
        ));
    }
    let (actor, who) = (user.actor(), user.audit());
    let result = state
        .db
        .write(move |c| service::set_active(c, actor, &who, id, false))
        .await;
    outcome(&session, id, result)
}

pub async fn reactivate(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who) = (user.actor(), user.audit());
    let result = state
        .db
        .write(move |c| service::set_active(c, actor, &who, id, true))
        .await;
    outcome(&session, id, result)
}

pub async fn resend_invitation(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (actor, who, name) = (user.actor(), user.audit(), user.name.clone());
    let settings = state.settings.clone();
    let result = state
        .db
        .write(move |c| service::resend_invitation(c, actor, &who, &name, id, &settings))
        .await;
    if result.is_ok() {
        state.jobs_wakeup.notify_one();
    }
    outcome(
        &session,
        id,
        result.map(|email| format!("A new invitation is on its way to {email}; the old link no longer works.")),
    )
}
