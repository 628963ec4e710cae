//! Carriers and their products: the owner's list, its pages and CSV import of both (issue 15, item 1).
//!
//! Every change is checked here (staff only), written with its audit entry in one transaction. An
//! import checks every row first (against the file and the database) and writes only when no row
//! has a problem, so a file is either imported whole or not at all.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

mod csv_import;

pub use csv_import::{import_carriers_file, import_products_file, ImportOutcome, RowError, IMPORT_MAX_ROWS};

use super::model::catalogue::{self as q, CarrierValues, ProductValues};
use super::model::{self, CarrierRow, ProductRow};
use crate::audit::{self, AuditActor};
use crate::auth::roles::{Actor, STAFF};
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::domain::policy::ProductSubType;
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::web::context::PageCtx;
use crate::web::routes::{Access, Routes};
use crate::web::{redirect_with, render_status, AppState};

/// This part's pages and endpoints. The issuance form's fixed path (`/policies/new`) is
/// registered here because this part's routes come before `/policies/{id}`.
pub fn routes(r: &mut Routes) {
    let staff = Access::Roles(STAFF);
    r.get("/admin/carriers", staff, index)
        .post("/admin/carriers", staff, create)
        .post("/admin/carriers/imports", staff, import_carriers)
        .post("/admin/products/imports", staff, import_products)
        .get("/admin/carriers/{id}", staff, show)
        .post("/admin/carriers/{id}", staff, update)
        .post("/admin/carriers/{id}/products", staff, add_product)
        .get("/admin/products/{id}", staff, product)
        .post("/admin/products/{id}", staff, update_product)
        .get(
            "/policies/new",
            Access::Roles(super::POLICY_USERS),
            super::transitions::new_policy,
        )
        .post(
            "/policies/new",
            Access::Roles(super::POLICY_USERS),
            super::transitions::create_policy,
        );
}

// ---- the rules of a carrier and a product ----------------------------------------------------

fn may_manage(actor: Actor) -> Result<(), AppError> {
    if STAFF.contains(&actor.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether a form's or a file's yes/no cell says yes (an empty cell is `default`).
fn yes(raw: &str, default: bool) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "yes" | "y" | "true" | "1" | "on" | "active" => Ok(true),
        "no" | "n" | "false" | "0" | "off" | "inactive" => Ok(false),
        _ => Err("Write yes or no.".into()),
    }
}

fn text(raw: &str, max: usize, field: &str, what: &str, e: &mut FieldErrors) -> String {
    match crate::text::clean_line(raw, max) {
        Ok(t) => t,
        Err(err) => {
            e.add(field, err.message(what));
            String::new()
        }
    }
}

/// A carrier as typed, or as a row of a carriers file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CarrierForm {
    pub name: String,
    pub naic_code: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// A checkbox: present when ticked.
    pub active: Option<String>,
}

impl CarrierForm {
    fn of(c: &CarrierRow) -> CarrierForm {
        CarrierForm {
            name: c.name.clone(),
            naic_code: c.naic_code.clone().unwrap_or_default(),
            contact_name: c.contact_name.clone(),
            contact_email: c.contact_email.clone(),
            contact_phone: c.contact_phone.clone(),
            active: c.active.then(|| "yes".into()),
        }
    }

    fn is_active(&self) -> bool {
        self.active.is_some()
    }
}

/// Checks a carrier's values on their own (not against the database).
fn carrier_values(f: &CarrierForm, active: bool, e: &mut FieldErrors) -> CarrierValues {
    let name = text(&f.name, 200, "name", "carrier's name", e);
    if name.is_empty() && !e.has("name") {
        e.add("name", "Give the carrier's name.");
    }
    let naic = f.naic_code.trim();
    let naic_code = if naic.is_empty() {
        None
    } else if naic.len() == 5 && naic.chars().all(|c| c.is_ascii_digit()) {
        Some(naic.to_string())
    } else {
        e.add("naic_code", "An NAIC company code is five digits (e.g. 60054).");
        None
    };
    let contact_name = text(&f.contact_name, 100, "contact_name", "contact's name", e);
    let contact_email = if f.contact_email.trim().is_empty() {
        String::new()
    } else {
        crate::domain::parse_email(&f.contact_email).unwrap_or_else(|m| {
            e.add("contact_email", m);
            String::new()
        })
    };
    let contact_phone = if f.contact_phone.trim().is_empty() {
        String::new()
    } else {
        crate::domain::parse_phone(&f.contact_phone).unwrap_or_else(|m| {
            e.add("contact_phone", m);
            String::new()
        })
    };
    CarrierValues {
        name,
        naic_code,
        contact_name,
        contact_email,
        contact_phone,
        active,
    }
}

/// The name and NAIC code are free (another carrier than `except` has neither).
fn carrier_free(
    conn: &mut DbConnection,
    v: &CarrierValues,
    except: Option<i64>,
    e: &mut FieldErrors,
) -> Result<(), AppError> {
    if v.name.is_empty() {
        return Ok(());
    }
    let (by_name, by_naic) = q::carrier_named(conn, &v.name, v.naic_code.as_deref(), except)?;
    if by_name.is_some() {
        e.add("name", format!("There is already a carrier named {}.", v.name));
    }
    if by_naic.is_some() {
        e.add(
            "naic_code",
            format!(
                "Another carrier has the NAIC code {}.",
                v.naic_code.as_deref().unwrap_or("")
            ),
        );
    }
    Ok(())
}

fn carrier_detail(v: &CarrierValues) -> String {
    format!(
        "{}{}{}",
        v.name,
        v.naic_code
            .as_deref()
            .map(|n| format!(" (NAIC {n})"))
            .unwrap_or_default(),
        if v.active { "" } else { ", inactive" }
    )
}

/// Adds a carrier; returns its id.
pub fn create_carrier(conn: &mut DbConnection, actor: Actor, who: &AuditActor, f: &CarrierForm) -> AppResult<i64> {
    may_manage(actor)?;
    let mut e = FieldErrors::new();
    let v = carrier_values(f, f.is_active(), &mut e);
    carrier_free(conn, &v, None, &mut e)?;
    e.into_result()?;
    let id = q::insert_carrier(conn, &v)?;
    audit::record(conn, who, "carrier.created", "carrier", Some(id), &carrier_detail(&v))?;
    Ok(id)
}

/// Changes a carrier's details or its active flag.
pub fn update_carrier(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    f: &CarrierForm,
) -> AppResult<()> {
    may_manage(actor)?;
    model::find_carrier(conn, id)?;
    let mut e = FieldErrors::new();
    let v = carrier_values(f, f.is_active(), &mut e);
    carrier_free(conn, &v, Some(id), &mut e)?;
    e.into_result()?;
    q::update_carrier(conn, id, &v)?;
    audit::record(conn, who, "carrier.updated", "carrier", Some(id), &carrier_detail(&v))?;
    Ok(())
}

/// A product as typed, or as a row of a products file (which names its carrier).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProductForm {
    pub name: String,
    pub product_line: String,
    pub sub_type: String,
    pub active: Option<String>,
}

impl ProductForm {
    fn of(p: &ProductRow) -> ProductForm {
        ProductForm {
            name: p.name.clone(),
            product_line: p.product_line.as_str().into(),
            sub_type: p.sub_type.map(|s| s.as_str().to_string()).unwrap_or_default(),
            active: p.active.then(|| "yes".into()),
        }
    }
}

/// A product line by its key or its label ("Medicare Advantage").
fn parse_line(raw: &str) -> Result<ProductLine, String> {
    if raw.trim().eq_ignore_ascii_case("health") {
        return Ok(ProductLine::AcaHealth);
    }
    raw.parse::<ProductLine>().or_else(|_| {
        ProductLine::ALL
            .into_iter()
            .find(|l| l.label().eq_ignore_ascii_case(raw.trim()))
            .ok_or_else(|| {
                let labels: Vec<&str> = ProductLine::ALL.iter().map(|l| l.label()).collect();
                format!("Choose the product line: one of {}.", labels.join(", "))
            })
    })
}

fn product_values(
    conn: &mut DbConnection,
    carrier_id: i64,
    f: &ProductForm,
    active: bool,
    except: Option<i64>,
    e: &mut FieldErrors,
) -> Result<ProductValues, AppError> {
    let name = text(&f.name, 200, "product_name", "product's name", e);
    if name.is_empty() && !e.has("product_name") {
        e.add("product_name", "Give the product's name.");
    }
    let line = match parse_line(&f.product_line) {
        Ok(l) => Some(l),
        Err(m) => {
            e.add("product_line", m);
            None
        }
    };
    let sub_type = match line {
        Some(l) if !f.sub_type.trim().is_empty() => match ProductSubType::parse_for(l, &f.sub_type) {
            Ok(s) => Some(s),
            Err(m) => {
                e.add("sub_type", m);
                None
            }
        },
        _ => None,
    };
    if !name.is_empty() && q::product_named(conn, carrier_id, &name, except)?.is_some() {
        e.add(
            "product_name",
            format!("The carrier already has a product named {name}."),
        );
    }
    Ok(ProductValues {
        carrier_id,
        name,
        product_line: line.unwrap_or(ProductLine::Other),
        sub_type,
        active,
    })
}

fn product_detail(v: &ProductValues) -> String {
    format!(
        "{} ({}{}){}",
        v.name,
        v.product_line.label(),
        v.sub_type.map(|s| format!(", {}", s.label())).unwrap_or_default(),
        if v.active { "" } else { ", inactive" }
    )
}

/// Adds a product to a carrier; returns its id.
pub fn create_product(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    carrier_id: i64,
    f: &ProductForm,
) -> AppResult<i64> {
    may_manage(actor)?;
    model::find_carrier(conn, carrier_id)?;
    let mut e = FieldErrors::new();
    let v = product_values(conn, carrier_id, f, f.active.is_some(), None, &mut e)?;
    e.into_result()?;
    let id = q::insert_product(conn, &v)?;
    audit::record(
        conn,
        who,
        "product.created",
        "carrier_product",
        Some(id),
        &product_detail(&v),
    )?;
    Ok(id)
}

/// Changes a product (its carrier stays).
pub fn change_product(
    conn: &mut DbConnection,
    actor: Actor,
    who: &AuditActor,
    id: i64,
    f: &ProductForm,
) -> AppResult<i64> {
    may_manage(actor)?;
    let p = model::find_product(conn, id)?;
    let mut e = FieldErrors::new();
    let v = product_values(conn, p.carrier_id, f, f.active.is_some(), Some(id), &mut e)?;
    e.into_result()?;
    q::update_product(conn, id, &v)?;
    audit::record(
        conn,
        who,
        "product.updated",
        "carrier_product",
        Some(id),
        &product_detail(&v),
    )?;
    Ok(p.carrier_id)
}

const MAX_UPLOAD: usize = 2 * 1024 * 1024;

// ---- pages -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "policies/carriers.html")]
struct CarriersPage {
    ctx: PageCtx,
    q: String,
    carriers: Vec<(CarrierRow, i64)>,
    form: CarrierForm,
    errors: FieldErrors,
    import: Option<ImportOutcome>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    q: Option<String>,
}

async fn carriers_page(
    ctx: PageCtx,
    state: &AppState,
    q: String,
    form: CarrierForm,
    errors: FieldErrors,
    import: Option<ImportOutcome>,
) -> AppResult<HttpResponse> {
    let search = q.clone();
    let carriers = state.db.read(move |c| Ok(q::list_carriers(c, &search)?)).await?;
    let status = if errors.is_empty() && import.as_ref().is_none_or(|i| i.created > 0) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &CarriersPage {
            ctx,
            q,
            carriers,
            form,
            errors,
            import,
        },
    )
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>, query: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let fresh = CarrierForm {
        active: Some("yes".into()),
        ..Default::default()
    };
    let q = query.q.clone().unwrap_or_default();
    carriers_page(ctx, &state, q, fresh, FieldErrors::new(), None).await
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CarrierForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let (actor, who, typed) = (user.actor(), user.audit(), f.clone());
    match state.db.write(move |c| create_carrier(c, actor, &who, &typed)).await {
        Ok(id) => Ok(redirect_with(
            &session,
            &format!("/admin/carriers/{id}"),
            "success",
            "The carrier is added. Add its products below.",
        )),
        Err(AppError::Validation(errors)) => carriers_page(ctx, &state, String::new(), f, errors, None).await,
        Err(e) => Err(e),
    }
}

async fn import(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
    products: bool,
) -> AppResult<HttpResponse> {
    let what = if products { "products" } else { "carriers" };
    let outcome = match crate::web::upload::read_field(
        payload,
        "file",
        MAX_UPLOAD,
        "The file is larger than 2 MB; split it into smaller files.",
    )
    .await
    {
        Ok(bytes) => {
            let (actor, who) = (user.actor(), user.audit());
            state
                .db
                .write(move |c| {
                    if products {
                        import_products_file(c, actor, &who, &bytes)
                    } else {
                        import_carriers_file(c, actor, &who, &bytes)
                    }
                })
                .await?
        }
        Err(m) => ImportOutcome {
            what,
            created: 0,
            errors: Vec::new(),
            file_error: Some(m),
        },
    };
    let fresh = CarrierForm {
        active: Some("yes".into()),
        ..Default::default()
    };
    carriers_page(ctx, &state, String::new(), fresh, FieldErrors::new(), Some(outcome)).await
}

pub async fn import_carriers(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    import(ctx, user, state, payload, false).await
}

pub async fn import_products(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    import(ctx, user, state, payload, true).await
}

#[derive(Template)]
#[template(path = "policies/carrier.html")]
struct CarrierPage {
    ctx: PageCtx,
    carrier: CarrierRow,
    products: Vec<ProductRow>,
    form: CarrierForm,
    product: ProductForm,
    errors: FieldErrors,
    lines: [ProductLine; 11],
}

impl CarrierPage {
    fn sub_types(&self) -> Vec<(ProductLine, Vec<ProductSubType>)> {
        sub_type_groups()
    }
}

fn sub_type_groups() -> Vec<(ProductLine, Vec<ProductSubType>)> {
    ProductLine::ALL
        .into_iter()
        .map(|l| (l, ProductSubType::of_line(l)))
        .filter(|(_, s)| !s.is_empty())
        .collect()
}

async fn carrier_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: Option<CarrierForm>,
    product: Option<ProductForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (carrier, products) = state
        .db
        .read(move |c| Ok((model::find_carrier(c, id)?, q::products_of(c, id)?)))
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &CarrierPage {
            ctx,
            form: form.unwrap_or_else(|| CarrierForm::of(&carrier)),
            product: product.unwrap_or_else(|| ProductForm {
                active: Some("yes".into()),
                ..Default::default()
            }),
            carrier,
            products,
            errors,
            lines: ProductLine::ALL,
        },
    )
}

pub async fn show(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    carrier_page(ctx, &state, path.into_inner(), None, None, FieldErrors::new()).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CarrierForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    let (actor, who, typed) = (user.actor(), user.audit(), f.clone());
    match state
        .db
        .write(move |c| update_carrier(c, actor, &who, id, &typed))
        .await
    {
        Ok(()) => Ok(redirect_with(
            &session,
            &format!("/admin/carriers/{id}"),
            "success",
            "The carrier is saved.",
        )),
        Err(AppError::Validation(errors)) => carrier_page(ctx, &state, id, Some(f), None, errors).await,
        Err(e) => Err(e),
    }
}

pub async fn add_product(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProductForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    let (actor, who, typed) = (user.actor(), user.audit(), f.clone());
    match state
        .db
        .write(move |c| create_product(c, actor, &who, id, &typed))
        .await
    {
        Ok(_) => Ok(redirect_with(
            &session,
            &format!("/admin/carriers/{id}"),
            "success",
            "The product is added.",
        )),
        Err(AppError::Validation(errors)) => carrier_page(ctx, &state, id, None, Some(f), errors).await,
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "policies/product.html")]
struct ProductPage {
    ctx: PageCtx,
    carrier: CarrierRow,
    row: ProductRow,
    product: ProductForm,
    errors: FieldErrors,
    lines: [ProductLine; 11],
}

impl ProductPage {
    fn sub_types(&self) -> Vec<(ProductLine, Vec<ProductSubType>)> {
        sub_type_groups()
    }
}

async fn product_page(
    ctx: PageCtx,
    state: &AppState,
    id: i64,
    form: Option<ProductForm>,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (row, carrier) = state
        .db
        .read(move |c| {
            let p = model::find_product(c, id)?;
            let carrier = model::find_carrier(c, p.carrier_id)?;
            Ok((p, carrier))
        })
        .await?;
    let status = crate::web::form_status(&errors);
    render_status(
        status,
        &ProductPage {
            ctx,
            product: form.unwrap_or_else(|| ProductForm::of(&row)),
            carrier,
            row,
            errors,
            lines: ProductLine::ALL,
        },
    )
}

pub async fn product(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    product_page(ctx, &state, path.into_inner(), None, FieldErrors::new()).await
}

pub async fn update_product(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProductForm>,
) -> AppResult<HttpResponse> {
    let (id, f) = (path.into_inner(), form.into_inner());
    let (actor, who, typed) = (user.actor(), user.audit(), f.clone());
    match state
        .db
        .write(move |c| change_product(c, actor, &who, id, &typed))
        .await
    {
        Ok(carrier) => Ok(redirect_with(
            &session,
            &format!("/admin/carriers/{carrier}"),
            "success",
            "The product is saved.",
        )),
        Err(AppError::Validation(errors)) => product_page(ctx, &state, id, Some(f), errors).await,
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_cells() {
        assert_eq!(yes("", true), Ok(true));
        assert_eq!(yes(" No ", true), Ok(false));
        assert!(yes("maybe", true).is_err());
        assert_eq!(parse_line("Medicare Advantage"), Ok(ProductLine::MedicareAdvantage));
        assert_eq!(parse_line("life"), Ok(ProductLine::Life));
        assert!(parse_line("boats").is_err());
    }
}
