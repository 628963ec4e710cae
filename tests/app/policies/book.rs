//! Policies: book-of-business import (item 12) — mapping, preview, the background job's counts,
//! the rows it writes and the report of the rows it leaves out, the remembered mapping, a mapping
//! without a required column, re-runs and resumed runs adding nothing twice, and access.

use agency_engine::auth::roles::Role;
use agency_engine::policies::import as book_import;
use agency_engine::policies::model::book::{self, BookImportRow};
use reqwest::StatusCode;

use super::{catalogue, input, licensed_agent, record};
use crate::harness::{eventually, input_value, location_id, TestApp};

const HEADER: &str =
    "Policy Holder,Email,Phone,State,Carrier,Plan Name,Policy #,Writer,Eff. Date,Modal Premium,Mode,Enrollment Type";

/// Uploads `bytes` on the book import page and returns the mapping page.
async fn upload(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
    );
    let r = app
        .client
        .post(app.url("/policies/imports"))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    (r.status(), r.text().await.unwrap())
}

/// Posts the mapping form: column `i` of the upload holds `columns[i]` ("" ignores it).
async fn map(app: &TestApp, upload: &str, file_name: &str, columns: &[&str]) -> reqwest::Response {
    let names: Vec<String> = (0..columns.len()).map(|i| format!("col_{i}")).collect();
    let mut fields = vec![("upload", upload), ("file_name", file_name)];
    fields.extend(names.iter().map(String::as_str).zip(columns.iter().copied()));
    app.post_form("/policies/imports/mapping", &fields).await
}

/// The mapping of [`HEADER`]: everything guessed but the agent column, "Writer".
const COLUMNS: &[&str] = &[
    "full_name",
    "email",
    "phone",
    "state",
    "carrier",
    "product",
    "policy_number",
    "agent",
    "effective_on",
    "premium",
    "billing_frequency",
    "enrollment_type",
];

async fn finished(app: &TestApp, id: i64) -> BookImportRow {
    eventually(30, || {
        app.db
            .read_blocking(move |c| Ok(book::find_import(c, id)?))
            .ok()
            .filter(|i| !i.is_running())
    })
    .await
    .expect("the import finishes")
}

/// A catalogue with a NAIC code, an agent known by e-mail and one by NPN: (carrier, MA, life,
/// e-mail agent's address, NPN agent's id).
fn book_fixtures(app: &TestApp) -> (i64, i64, i64, String, i64) {
    let (carrier, ma, life) = catalogue(app, "Acme Life");
    let (by_email, _) = licensed_agent(app, "Erin Email", &["FL"]);
    let (_, by_npn) = licensed_agent(app, "Nico Npn", &["FL"]);
    app.db
        .write_blocking(move |c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("UPDATE carriers SET naic_code = '60054' WHERE id = {carrier}")).execute(c)?;
            diesel::sql_query(format!("UPDATE agents SET npn = '17171717' WHERE id = {by_npn}")).execute(c)?;
            Ok(())
        })
        .unwrap();
    (carrier, ma, life, by_email.email, by_npn)
}

/// A book of one good row: Rosa's AL-1 at $100.00 a month, written by `agent`.
fn one_row(agent: &str) -> String {
    format!("{HEADER}\nRosa Delgado,rosa@example.com,,FL,Acme Life,Term 20,AL-1,{agent},2026-01-01,100.00,Monthly,\n")
}

fn policies_sum(app: &TestApp, filter: &str) -> String {
    app.first_value(&format!(
        "SELECT CAST(COALESCE(SUM(premium_cents),0) AS TEXT) AS v FROM policies WHERE {filter}"
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_book_with_good_bad_and_duplicate_rows_imports_the_good_ones_and_reports_the_rest() {
    let app = crate::harness::spawn_app().await;
    let (carrier, _ma, life, erin, npn_agent) = book_fixtures(&app);
    // Already in the book: AL-0.
    record(&app, input(npn_agent, carrier, life, "AL-0", "FL"));
    // Ben is a known contact: his policy is his, not a new person's.
    let ben = app
        .db
        .write_blocking(|c| {
            use agency_engine::leads::model as leads;
            Ok(leads::insert_contact(
                c,
                &leads::NewContact {
                    first_name: "Ben",
                    last_name: "Ortiz",
                    email: None,
                    phone: Some("+13055550142"),
                    birth_date: None,
                    zip: None,
                    state: Some("FL"),
                    city: None,
                    lat: None,
                    lon: None,
                },
            )?
            .id)
        })
        .unwrap();
    let contacts_before = app.count("contacts");

    let csv = format!(
        "{HEADER}\n\
         Rosa Delgado,rosa@example.com,,FL,Acme Life,Term 20,AL-1,{erin},2026-01-01,\"$1,234.56\",Monthly,\n\
         Ben Ortiz,,(305) 555-0142,FL,60054,Advantage HMO,AL-2,17171717,01/15/2026,89.99,Annual,NTM\n\
         Rosa Delgado,rosa@example.com,,FL,acme life,Term 20,AL-1,{erin},2026-01-01,10.00,Monthly,\n\
         Old Timer,,,FL,Acme Life,Term 20,AL-0,{erin},2026-01-01,10.00,Monthly,\n\
         Nia Nowhere,,,FL,Nowhere Mutual,Term 20,NM-1,{erin},2026-01-01,10.00,Monthly,\n\
         Pat Broke,,,ZZ,Acme Life,Term 20,AL-3,{erin},2026-01-01,abc,Monthly,\n\
         Una Known,,,FL,Acme Life,Term 20,AL-4,nobody@example.com,2026-01-01,10.00,Weekly,\n"
    );
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    // "Writing Agent" is a header the mapping guesses, so the preview is there at once.
    let csv = csv.replacen("Writer", "Writing Agent", 1);
    let (status, html) = upload(&owner, "acme-book.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{html}");
    // The preview checks the first rows against the database before anything is written.
    assert!(html.contains("No carrier is called"), "{html}");
    assert!(html.contains("Duplicate: Acme Life already has policy AL-0"), "{html}");
    assert_eq!(app.count("policies WHERE source = 'import'"), 0);

    let r = map(&owner, &input_value(&html, "upload"), "acme-book.csv", COLUMNS).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r);
    let done = finished(&app, id).await;
    assert_eq!(done.status, "done", "{:?}", done.error);
    assert_eq!(
        (
            done.processed_rows,
            done.created_count,
            done.duplicate_count,
            done.rejected_count
        ),
        (7, 2, 2, 3)
    );

    // The rows written: two policies in Draft, premiums to the cent, with their schedules and
    // history; Rosa is a new contact, Ben the known one; the bad rows left nothing.
    assert_eq!(app.count("policies WHERE source = 'import' AND status = 'draft'"), 2);
    assert_eq!(policies_sum(&app, "source = 'import'"), "132455");
    assert_eq!(policies_sum(&app, "policy_number = 'AL-1'"), "123456");
    assert_eq!(app.count("policies WHERE policy_number = 'AL-1'"), 1);
    assert_eq!(
        app.count(&format!(
            "policies WHERE policy_number = 'AL-2' AND contact_id = {ben} AND agent_id = {npn_agent} AND plan_year = 2026 AND enrollment_type = 'new_to_medicare' AND billing_frequency = 'annual'"
        )),
        1
    );
    assert_eq!(app.count("contacts"), contacts_before + 1);
    assert_eq!(
        app.count("policy_instalments WHERE policy_id IN (SELECT id FROM policies WHERE policy_number = 'AL-1')"),
        12
    );
    assert_eq!(
        app.count(
            "policy_events WHERE kind = 'issued' AND policy_id IN (SELECT id FROM policies WHERE source = 'import')"
        ),
        2
    );
    assert_eq!(app.count("policies WHERE policy_number IN ('NM-1', 'AL-3', 'AL-4')"), 0);
    let actions = app.audit_actions();
    assert!(actions.contains(&"policies.import_started".to_string()));
    assert!(actions.contains(&"policies.imported".to_string()));

    // The page and the list say so; the report names each row left out, with its reasons.
    let (status, page) = owner.page(&format!("/policies/imports/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Duplicates left out") && page.contains("/report"),
        "{page}"
    );
    // The progress block alone, for the page's partial updates.
    let partial = owner
        .client
        .get(owner.url(&format!("/policies/imports/{id}")))
        .header("X-Partial", "1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        partial.contains(r#"id="import-progress""#) && partial.contains("aria-live") && !partial.contains("<html"),
        "{partial}"
    );
    let (_, list) = owner.page("/policies/imports").await;
    assert!(list.contains("acme-book.csv"), "{list}");
    let report = owner.get(&format!("/policies/imports/{id}/report")).await;
    assert_eq!(report.status(), 200);
    assert!(report.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let report = report.text().await.unwrap();
    let line = |n: &str| {
        report
            .lines()
            .find(|l| l.starts_with(&format!("{n},")))
            .unwrap_or_else(|| panic!("line {n} is in the report: {report}"))
            .to_string()
    };
    assert!(report.starts_with("line,errors,Policy Holder"), "{report}");
    assert!(
        line("4").contains("Duplicate: Acme Life already has policy AL-1"),
        "{report}"
    );
    assert!(
        line("5").contains("Duplicate: Acme Life already has policy AL-0"),
        "{report}"
    );
    assert!(
        line("6").contains("No carrier is called \"\"Nowhere Mutual\"\""),
        "{report}"
    );
    let broke = line("7");
    assert!(broke.contains("premium:") && broke.contains("state:"), "{broke}");
    let unknown = line("8");
    assert!(
        unknown.contains("No agent has the e-mail address or NPN") && unknown.contains("billing_frequency:"),
        "{unknown}"
    );
    assert_eq!(report.lines().count(), 6, "the header and five rows: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mapping_is_remembered_and_importing_the_file_again_adds_nothing() {
    let app = crate::harness::spawn_app().await;
    let (_, _, _, erin, _) = book_fixtures(&app);
    let csv = one_row(&erin);
    let owner = app.new_client();
    owner.login_as(Role::Admin).await;
    let (_, html) = upload(&owner, "book.csv", csv.clone().into_bytes()).await;
    assert!(!html.contains("match your last book import"));
    // "Writer" is not a header anyone guesses: the first mapping leaves it out, and says why the
    // rows are not checked yet; checking them with the agent mapped shows them and starts nothing.
    assert!(!html.contains(r#"<option value="agent" selected>"#), "{html}");
    assert!(
        html.contains("To see the first rows checked: Map a column to each of: Writing agent"),
        "{html}"
    );
    let upload_id = input_value(&html, "upload");
    let names: Vec<String> = (0..COLUMNS.len()).map(|i| format!("col_{i}")).collect();
    let mut fields = vec![
        ("upload", upload_id.as_str()),
        ("file_name", "book.csv"),
        ("preview", "1"),
    ];
    fields.extend(names.iter().map(String::as_str).zip(COLUMNS.iter().copied()));
    let r = owner.post_form("/policies/imports/mapping", &fields).await;
    assert_eq!(r.status(), 200);
    let checked = r.text().await.unwrap();
    assert!(
        checked.contains("Rosa Delgado · Acme Life · AL-1 · 100.00") && checked.contains("badge-ok"),
        "{checked}"
    );
    assert_eq!(app.count("policy_imports"), 0);
    let r = map(&owner, &upload_id, "book.csv", COLUMNS).await;
    let first = finished(&app, location_id(&r)).await;
    assert_eq!((first.created_count, first.duplicate_count), (1, 0));

    // The same columns again: the mapping chosen last time is offered, "Writer" included.
    let (status, html) = upload(&owner, "book-again.csv", csv.into_bytes()).await;
    assert_eq!(status, 200);
    assert!(html.contains("match your last book import"), "{html}");
    let writer = html
        .split(r#"name="col_7""#)
        .nth(1)
        .unwrap()
        .split("</select>")
        .next()
        .unwrap();
    assert!(writer.contains(r#"<option value="agent" selected>"#), "{html}");
    let r = map(&owner, &input_value(&html, "upload"), "book-again.csv", COLUMNS).await;
    let again = finished(&app, location_id(&r)).await;
    assert_eq!(
        (again.created_count, again.duplicate_count, again.rejected_count),
        (0, 1, 0)
    );
    assert_eq!(app.count("policies WHERE policy_number = 'AL-1'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_without_a_required_column_is_refused_with_422() {
    let app = crate::harness::spawn_app().await;
    let (_, _, _, erin, _) = book_fixtures(&app);
    let csv = one_row(&erin);
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (_, html) = upload(&owner, "book.csv", csv.into_bytes()).await;
    let upload_id = input_value(&html, "upload");
    let mut columns = COLUMNS.to_vec();
    columns[9] = ""; // the premium
    let r = map(&owner, &upload_id, "book.csv", &columns).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Map a column to each of: Premium per instalment."),
        "{page}"
    );
    // What was chosen is kept.
    assert!(page.contains(r#"<option value="agent" selected>"#), "{page}");
    assert_eq!(app.count("policy_imports"), 0);
    assert_eq!(app.count("jobs WHERE kind = 'policies.import'"), 0);

    // Both names and a full name is refused too; a field that is not one is a field error.
    let mut both = COLUMNS.to_vec();
    both[1] = "first_name";
    let r = map(&owner, &upload_id, "book.csv", &both).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut unknown = COLUMNS.to_vec();
    unknown[1] = "salary";
    assert_eq!(
        map(&owner, &upload_id, "book.csv", &unknown).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // An upload that is not a file is refused on the upload page.
    let (status, html) = upload(&owner, "empty.csv", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_may_not_import_a_book() {
    let app = crate::harness::spawn_app().await;
    let owner = app.new_client();
    let owner_user = owner.login_as(Role::Owner).await;
    let id = app
        .db
        .write_blocking(move |c| {
            Ok(book::insert_import(
                c,
                owner_user.id,
                "x.csv",
                "/nowhere/x.csv",
                "{}",
                0,
            )?)
        })
        .unwrap();
    app.db
        .write_blocking(move |c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!("UPDATE policy_imports SET status = 'failed' WHERE id = {id}")).execute(c)?;
            Ok(())
        })
        .unwrap();
    let agent = app.new_client();
    agent.login_as(Role::Agent).await;
    for path in [
        "/policies/imports".to_string(),
        "/policies/imports/new".to_string(),
        format!("/policies/imports/{id}"),
        format!("/policies/imports/{id}/report"),
    ] {
        let status = agent.get(&path).await.status();
        assert!(status == 403 || status == 404, "{path}: {status}");
    }
    let r = map(&agent, "0123456789abcdef0123456789abcdef", "x.csv", COLUMNS).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, _) = upload(&agent, "x.csv", b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The owner sees the failed import; there is no report to download.
    assert_eq!(owner.get(&format!("/policies/imports/{id}")).await.status(), 200);
    assert_eq!(owner.get(&format!("/policies/imports/{id}/report")).await.status(), 404);
    assert_eq!(owner.get("/policies/imports/999999").await.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_stops_after_a_batch_resumes_without_writing_or_reporting_a_row_twice() {
    let app = crate::harness::spawn_app().await;
    let (_, _, _, erin, _) = book_fixtures(&app);
    // 150 rows: every tenth refused (no premium), so both batches have some.
    let mut csv = format!("{HEADER}\n");
    for i in 0..150 {
        let premium = if i % 10 == 0 { String::new() } else { format!("{i}.01") };
        // Names are letters: "Person Ba", "Person Bb", …
        let last: String = [b'A' + (i / 26) as u8, b'a' + (i % 26) as u8]
            .iter()
            .map(|b| *b as char)
            .collect();
        csv.push_str(&format!(
            "Person {last},,,FL,Acme Life,Term 20,BIG-{i},{erin},2026-01-01,{premium},Monthly,\n"
        ));
    }
    // Queued by hand (no job), so the test runs the batches itself.
    let owner = app.create_user(Role::Owner, "Olive Owner");
    let dir = app.settings.data_dir.join("imports");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policies-0123456789abcdef0123456789abcdef.csv");
    std::fs::write(&path, &csv).unwrap();
    let mapping = serde_json::json!({ "columns": COLUMNS }).to_string();
    let (path_text, size) = (path.display().to_string(), csv.len() as i64);
    let id = app
        .db
        .write_blocking(move |c| Ok(book::insert_import(c, owner.id, "big.csv", &path_text, &mapping, size)?))
        .unwrap();

    let done = book_import::run_batches(&app.db, &app.settings, id, 1).expect("the first batch");
    assert!(!done, "one batch of 100 rows leaves 50");
    let half = app.db.read_blocking(move |c| Ok(book::find_import(c, id)?)).unwrap();
    assert_eq!(
        (
            half.status.as_str(),
            half.processed_rows,
            half.created_count,
            half.rejected_count
        ),
        ("running", 100, 90, 10)
    );
    assert!(half.processed_bytes > 0);
    // A stop after the report was written but before the batch committed leaves a row too many,
    // which the next run cuts off again.
    let report_path = dir.join(format!("policies-rejected-{id}.csv"));
    let mut report = std::fs::read_to_string(&report_path).unwrap();
    report.push_str("999,row: written by a run that stopped\n");
    std::fs::write(&report_path, report).unwrap();

    assert!(book_import::run_batches(&app.db, &app.settings, id, usize::MAX).expect("the rest"));
    let done = app.db.read_blocking(move |c| Ok(book::find_import(c, id)?)).unwrap();
    assert_eq!(
        (
            done.status.as_str(),
            done.processed_rows,
            done.created_count,
            done.rejected_count,
            done.duplicate_count
        ),
        ("done", 150, 135, 15, 0)
    );
    assert_eq!(app.count("policies WHERE policy_number LIKE 'BIG-%'"), 135);
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert_eq!(report.lines().count(), 16, "{report}");
    assert!(!report.contains("999,"), "{report}");
    assert!(!path.exists(), "the upload is removed once imported");
    // Running it again does nothing.
    assert!(book_import::run_batches(&app.db, &app.settings, id, usize::MAX).unwrap());
    assert_eq!(app.count("policies WHERE policy_number LIKE 'BIG-%'"), 135);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_sweep_removes_abandoned_book_uploads_and_keeps_those_an_import_needs() {
    let app = crate::harness::spawn_app().await;
    let owner = app.new_client();
    let owner_user = owner.login_as(Role::Owner).await;
    let (_, html) = upload(&owner, "left.csv", format!("{HEADER}\n").into_bytes()).await;
    let abandoned = input_value(&html, "upload");
    let dir = app.settings.data_dir.join("imports");
    let left = dir.join(format!("policies-{abandoned}.csv"));
    assert!(left.exists());
    // A run waiting for the worker still needs its file, however old; reports are kept.
    let needed = dir.join("policies-0123456789abcdef0123456789abcdef.csv");
    std::fs::write(&needed, format!("{HEADER}\n")).unwrap();
    let report = dir.join("policies-rejected-77.csv");
    std::fs::write(&report, "line,errors\n").unwrap();
    let path = needed.display().to_string();
    app.db
        .write_blocking(move |c| Ok(book::insert_import(c, owner_user.id, "needed.csv", &path, "{}", 10)?))
        .unwrap();
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    for p in [&left, &needed, &report] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }

    // An upload that old is expired for mapping too.
    let r = map(&owner, &abandoned, "left.csv", COLUMNS).await;
    assert_eq!(
        r.headers()["location"],
        "/policies/imports/new",
        "sent back to upload again"
    );

    app.queue_daily_run();
    let swept = eventually(20, || (!left.exists()).then_some(())).await;
    assert!(swept.is_some(), "the abandoned upload is removed");
    assert!(needed.exists() && report.exists());
}
