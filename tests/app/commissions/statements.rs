//! Issue 16, item 6: carrier statements and their reconciliation, through HTTP. The fixtures of
//! this part are here (the policies' own come from `crate::policies`).

use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::{Actor, Role};
use agency_engine::commissions::{engine, jobs, model, service};
use reqwest::StatusCode;

use crate::harness::{input_value, location_id, spawn_app, TestApp};
use crate::policies::{catalogue, input, licensed_agent, record};

/// A small book at one carrier with computed commission for this month: five active life
/// policies (P-101 to P-105) of one writing agent (NPN 1234567), each expecting the same amount;
/// another agent holds NPN 7654321.
struct Book {
    carrier: i64,
    period: chrono::NaiveDate,
    expected: i64,
}

fn sql(app: &TestApp, q: &str) {
    let q = q.to_string();
    app.db
        .write_blocking(move |c| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(q), c)?))
        .expect("sql");
}

fn book(app: &TestApp, owner_id: i64) -> Book {
    let (carrier, _ma, life) = catalogue(app, "Acme Life");
    let (_writer, agent) = licensed_agent(app, "Wanda Writer", &["FL"]);
    let (_other, other) = licensed_agent(app, "Oscar Other", &["FL"]);
    sql(app, &format!("UPDATE agents SET npn = '1234567' WHERE id = {agent}"));
    sql(app, &format!("UPDATE agents SET npn = '7654321' WHERE id = {other}"));
    for (number, first, last, birth) in [
        ("P-101", "Rosa", "Delgado", "1951-01-01"),
        ("P-102", "Ana", "Ruiz", "1950-02-03"),
        ("P-103", "Tom", "Ng", "1952-03-04"),
        ("P-104", "Li", "Wei", "1953-04-05"),
        ("P-105", "Sam", "Roe", "1954-05-06"),
    ] {
        let mut i = input(agent, carrier, life, number, "FL");
        i.first_name = first.into();
        i.last_name = last.into();
        let id = record(app, i);
        sql(app, &format!("UPDATE policies SET status = 'active' WHERE id = {id}"));
        sql(
            app,
            &format!("UPDATE contacts SET birth_date = '{birth}' WHERE id = (SELECT contact_id FROM policies WHERE id = {id})"),
        );
    }
    let owner = Actor {
        id: owner_id,
        role: Role::Owner,
    };
    let schedule = service::ScheduleInput {
        product_id: Some(life),
        effective_from: "2020-01-01".into(),
        basis: "flat".into(),
        first_year: "120.00".into(),
        pay_mode: "advance".into(),
        advance_months: "12".into(),
        ..Default::default()
    };
    app.db
        .write_blocking(move |c| service::create_schedule(c, owner, &AuditActor::system("test"), &schedule))
        .expect("a schedule");
    let period = engine::month_of(agency_engine::db::now().date());
    // The run row only (no queued job), so the worker cannot run it a second time beside us.
    let run = app
        .db
        .write_blocking(move |c| Ok(model::insert_run(c, period, None)?))
        .unwrap();
    jobs::run_all(&app.db, run, &Default::default()).expect("the month is computed");
    let expected = app.sum(
        "commission_entries WHERE source = 'computed' AND policy_id = (SELECT id FROM policies WHERE policy_number = 'P-101')",
        "amount_cents",
    );
    assert!(expected > 0, "the computation expected commission");
    Book {
        carrier,
        period,
        expected,
    }
}

fn dollars(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// POSTs a statement upload (multipart, CSRF in the header).
async fn upload(app: &TestApp, carrier: i64, month: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("carrier_id", carrier.to_string())
        .text("period", month.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    app.client
        .post(app.url("/admin/commissions/statements"))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Posts the column map for the upload on `html` (its hidden fields), one field key per column.
async fn map(app: &TestApp, html: &str, columns: &[&str]) -> reqwest::Response {
    let hidden: Vec<(String, String)> = ["upload", "format", "file_name", "carrier_id", "period"]
        .iter()
        .map(|k| (k.to_string(), input_value(html, k)))
        .collect();
    let cols: Vec<(String, String)> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("col_{i}"), c.to_string()))
        .collect();
    let all: Vec<(&str, &str)> = hidden
        .iter()
        .chain(&cols)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form("/admin/commissions/statements/mapping", &all).await
}

fn line_id(app: &TestApp, statement: i64, condition: &str) -> String {
    app.first_value(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM carrier_statement_lines WHERE statement_id = {statement} AND {condition}"
    ))
    .unwrap_or_else(|| panic!("a line where {condition}"))
}

async fn resolve(app: &TestApp, statement: i64, line: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all = vec![("line_id", line)];
    all.extend_from_slice(fields);
    app.post_form(&format!("/admin/commissions/statements/{statement}/resolve"), &all)
        .await
}

fn exception_of(app: &TestApp, statement: i64, condition: &str) -> (String, String) {
    let v = app
        .first_value(&format!(
            "SELECT COALESCE(exception, '') || '/' || COALESCE(resolution, '') AS v FROM carrier_statement_lines \
             WHERE statement_id = {statement} AND {condition}"
        ))
        .unwrap();
    let (e, r) = v.split_once('/').unwrap();
    (e.to_string(), r.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_with_every_kind_of_exception_is_reconciled_through_the_worklist_and_finalised() {
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let b = book(&app, owner.id);
    let month = b.period.format("%Y-%m").to_string();
    let full = dollars(b.expected);
    let half = dollars(b.expected / 2);
    // P-101 paid in full; P-102 under a wrong number, found by name and birth date; P-103 paid
    // half; P-104 paid to another agent's NPN; P-105 not on the statement; Z-1 and Q-2 in no book.
    let csv = format!(
        "Policy #,Member Name,DOB,Commission,Comm Type,Writing Agent NPN\n\
         P-101,Rosa Delgado,01/01/1951,{full},New,1234567\n\
         X-999,\"RUIZ, ANA\",02/03/1950,{full},New,1234567\n\
         P-103,Tom Ng,03/04/1952,{half},New,1234567\n\
         P-104,Li Wei,04/05/1953,{full},New,7654321\n\
         Z-1,Sam Roe,,{full},New,\n\
         Q-2,Nobody Known,,(5.00),Chargeback,\n"
    );
    let r = upload(&app, b.carrier, &month, "acme-jan.csv", csv.into_bytes()).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the first statement of a carrier asks for its map"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Map the columns of acme-jan.csv"), "{html}");
    assert_eq!(app.count("carrier_statements"), 0);
    let r = map(
        &app,
        &html,
        &["policy_number", "insured", "birth_date", "amount", "kind", "agent"],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r);

    // The worklist: one of each kind.
    let (status, page) = app.page(&format!("/admin/commissions/statements/{id}")).await;
    assert_eq!(status, 200);
    for kind in [
        "Not in the book",
        "Expected but not paid",
        "Short-paid",
        "Paid to another agent",
    ] {
        assert!(page.contains(kind), "{kind}: {page}");
    }
    assert_eq!(
        exception_of(&app, id, "policy_number = 'P-101'"),
        ("".into(), "".into())
    );
    assert_eq!(
        app.first_value(&format!(
            "SELECT match_method AS v FROM carrier_statement_lines WHERE statement_id = {id} AND policy_number = 'X-999'"
        )),
        Some("name_birth_date".into())
    );
    assert_eq!(exception_of(&app, id, "policy_number = 'P-103'").0, "short_paid");
    assert_eq!(exception_of(&app, id, "policy_number = 'P-104'").0, "other_agent");
    assert_eq!(
        exception_of(&app, id, "line_no IS NULL AND policy_number = 'P-105'").0,
        "not_paid"
    );
    assert_eq!(exception_of(&app, id, "policy_number = 'Z-1'").0, "unmatched");
    assert_eq!(exception_of(&app, id, "policy_number = 'Q-2'").0, "unmatched");
    assert_eq!(
        app.count("commission_entries WHERE kind = 'received'"),
        0,
        "nothing booked while open"
    );

    // Finalising with open exceptions is refused.
    let r = app
        .post_form(
            &format!("/admin/commissions/statements/{id}/finalise"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("open exceptions first"));

    // Short-paid: a dispute needs a note.
    let short = line_id(&app, id, "policy_number = 'P-103'");
    let r = resolve(&app, id, &short, &[("action", "dispute"), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Say what you dispute"));
    let r = resolve(
        &app,
        id,
        &short,
        &[("action", "dispute"), ("note", "Half the advance is missing")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        exception_of(&app, id, "policy_number = 'P-103'"),
        ("short_paid".into(), "disputed".into())
    );

    // Another agent: accepted.
    let other = line_id(&app, id, "policy_number = 'P-104'");
    let r = resolve(
        &app,
        id,
        &other,
        &[("action", "accept"), ("note", "Carrier's records lag")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Not in the book: Z-1 is P-105's payment under a wrong number. A number in no book is refused.
    let stray = line_id(&app, id, "policy_number = 'Z-1'");
    let r = resolve(&app, id, &stray, &[("action", "link"), ("policy_number", "NOPE-1")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("no policy numbered"));
    let r = resolve(&app, id, &stray, &[("action", "link"), ("policy_number", "p-105")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        exception_of(&app, id, "policy_number = 'Z-1'"),
        ("unmatched".into(), "linked".into())
    );
    // … which also settles P-105's not-paid row.
    assert_eq!(
        exception_of(&app, id, "line_no IS NULL AND policy_number = 'P-105'"),
        ("not_paid".into(), "linked".into())
    );
    // The chargeback in no book: accepted.
    let q2 = line_id(&app, id, "policy_number = 'Q-2'");
    let r = resolve(&app, id, &q2, &[("action", "accept")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Confirmation first, then final.
    let r = app
        .post_form(&format!("/admin/commissions/statements/{id}/finalise"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            &format!("/admin/commissions/statements/{id}/finalise"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let received = 4 * b.expected + b.expected / 2 - 500;
    assert_eq!(
        app.count(
            "commission_entries WHERE kind = 'received' AND source = 'carrier_statement' AND payee_kind = 'agency'"
        ),
        6
    );
    assert_eq!(
        app.sum("commission_entries WHERE kind = 'received'", "amount_cents"),
        received
    );
    assert_eq!(
        app.count("commission_entries WHERE kind = 'received' AND policy_id IS NULL"),
        1,
        "only the accepted chargeback in no book is booked without a policy"
    );
    let actions = app.audit_actions();
    for a in [
        "commissions.statement_imported",
        "commissions.statement_line_resolved",
        "commissions.statement_finalised",
    ] {
        assert!(actions.contains(&a.to_string()), "{a}");
    }

    // Read-only: every change is refused with a clear sentence, and the database refuses edits.
    let r = resolve(&app, id, &short, &[("action", "accept")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("finalised: it is read-only"));
    let r = app
        .post_form(
            &format!("/admin/commissions/statements/{id}/finalise"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = app.db.write_blocking(move |c| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE carrier_statement_lines SET note = 'x' WHERE statement_id = {id}"
            )),
            c,
        )?)
    });
    assert!(refused.is_err(), "a finalised statement's lines refuse UPDATE");
    let (_, page) = app.page(&format!("/admin/commissions/statements/{id}?view=all")).await;
    assert!(
        !page.contains("Save the decision") && !page.contains("Finalise the statement"),
        "{page}"
    );

    // The map is remembered for the carrier: next month's file, its columns in another order,
    // is read without asking.
    let next = b.period.checked_add_months(chrono::Months::new(1)).unwrap();
    let csv = format!(
        "Commission,Policy #,Member Name,DOB,Writing Agent NPN,Comm Type\n{full},P-101,Rosa Delgado,,1234567,Renewal\n"
    );
    let r = upload(
        &app,
        b.carrier,
        &next.format("%Y-%m").to_string(),
        "acme-feb.csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let second = location_id(&r);
    assert_ne!(second, id);

    // Expected against received, per carrier and month.
    let (status, totals) = app.page("/admin/commissions/statements/totals").await;
    assert_eq!(status, 200);
    assert!(
        totals.contains("Acme Life") && totals.contains(&b.period.format("%B %Y").to_string()),
        "{totals}"
    );
    let (status, list) = app.page("/admin/commissions/statements").await;
    assert_eq!(status, 200);
    assert!(list.contains("acme-jan.csv") && list.contains("acme-feb.csv"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_statement_gets_its_errors_per_line_and_writes_nothing() {
    let app = spawn_app().await;
    let (carrier, _ma, _life) = catalogue(&app, "Acme Life");
    app.login_as(Role::Owner).await;
    let nothing = |app: &TestApp| {
        assert_eq!(app.count("carrier_statements"), 0);
        assert_eq!(app.count("carrier_statement_lines"), 0);
        assert_eq!(app.count("carrier_statement_maps"), 0);
    };

    // A binary file, and a ZIP that is no workbook.
    let r = upload(
        &app,
        carrier,
        "2026-01",
        "statement.csv",
        vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2, 0xff],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("neither CSV text nor an Excel workbook"));
    let r = upload(&app, carrier, "2026-01", "statement.xlsx", b"PK\x03\x04broken".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("could not be read"));
    // No carrier, no month.
    let r = upload(&app, 0, "", "statement.csv", b"Policy,Amount\nP-1,1.00\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Choose the carrier") && html.contains("Give the month"),
        "{html}"
    );
    nothing(&app);

    // Wrong columns: nothing to map an amount from.
    let r = upload(&app, carrier, "2026-01", "odd.csv", b"Foo,Bar\nP-1,x\n".to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Still to map"), "{html}");
    let r = map(&app, &html, &["policy_number", ""]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Map a column to Amount paid"));
    nothing(&app);

    // Bad numbers and dates: every bad line named, nothing taken in.
    let csv = "Policy,Insured,DOB,Amount,Month\n\
               P-1,Rosa Delgado,1951-01-01,10.00,2026-01\n\
               P-2,Ana Ruiz,02/30/1950,ten,2026-01\n\
               P-3,Tom Ng,,1.234,2026-01\n\
               P-4,Li Wei,,5.00,someday\n\
               P-5,Sam Roe,,5.00,2026-01,extra\n";
    let r = upload(&app, carrier, "2026-01", "bad.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let r = map(
        &app,
        &html,
        &["policy_number", "insured", "birth_date", "amount", "period"],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("4 lines of the file could not be read"), "{html}");
    for (line, says) in [
        ("3", "not a date"),
        ("3", "is not an amount"),
        ("4", "two decimals"),
        ("5", "not a month"),
        ("6", "cells but the header has"),
    ] {
        let row = html
            .split("<tr>")
            .find(|r| r.contains(&format!("data-label=\"Line\">{line}<")))
            .unwrap_or_else(|| panic!("line {line} is listed: {html}"));
        assert!(row.contains(says), "line {line}: {says}: {row}");
    }
    nothing(&app);

    // With a remembered map (after a good statement), a bad file is refused at the upload.
    let r = upload(
        &app,
        carrier,
        "2026-01",
        "good.csv",
        b"Policy,Amount\nP-1,1.00\n".to_vec(),
    )
    .await;
    let html = r.text().await.unwrap();
    let r = map(&app, &html, &["policy_number", "amount"]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let lines = app.count("carrier_statement_lines");
    let r = upload(
        &app,
        carrier,
        "2026-02",
        "again.csv",
        b"Amount,Policy\n$1.00,P-1\nabc,P-2\n".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("remembered map") && html.contains("1 line of the file could not be read"),
        "{html}"
    );
    assert_eq!(app.count("carrier_statements"), 1);
    assert_eq!(app.count("carrier_statement_lines"), lines);
}

/// The smallest `.xlsx` workbook with one sheet of inline strings and numbers.
fn workbook(rows: &[Vec<Cell>]) -> Vec<u8> {
    use std::io::Write;
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            match cell {
                Cell::Text(t) => sheet.push_str(&format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{t}</t></is></c>")),
                Cell::Number(n) => sheet.push_str(&format!("<c r=\"{at}\"><v>{n}</v></c>")),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Statement" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, text) in files {
            zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

enum Cell {
    Text(&'static str),
    Number(f64),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excel_statement_is_read_like_a_csv_one() {
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let b = book(&app, owner.id);
    let amount = b.expected as f64 / 100.0;
    let bytes = workbook(&[
        vec![
            Cell::Text("Policy Number"),
            Cell::Text("Amount Paid"),
            Cell::Text("Agent NPN"),
        ],
        vec![Cell::Text("P-101"), Cell::Number(amount), Cell::Number(1234567.0)],
        vec![Cell::Text("P-102"), Cell::Number(amount), Cell::Number(1234567.0)],
    ]);
    let month = b.period.format("%Y-%m").to_string();
    let r = upload(&app, b.carrier, &month, "acme.xlsx", bytes).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_eq!(input_value(&html, "format"), "xlsx");
    let r = map(&app, &html, &["policy_number", "amount", "agent"]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let id = location_id(&r);
    assert_eq!(
        app.count(&format!(
            "carrier_statement_lines WHERE statement_id = {id} AND line_no IS NOT NULL"
        )),
        2
    );
    assert_eq!(
        app.count(&format!(
            "carrier_statement_lines WHERE statement_id = {id} AND line_no IS NOT NULL AND exception IS NULL"
        )),
        2,
        "both lines match in full, the NPN read from a number cell"
    );
    // P-103 to P-105 were expected and not paid.
    assert_eq!(
        app.count(&format!(
            "carrier_statement_lines WHERE statement_id = {id} AND exception = 'not_paid'"
        )),
        3
    );
    assert_eq!(
        app.sum(&format!("carrier_statements WHERE id = {id}"), "received_cents"),
        2 * b.expected
    );
}

/// The 50,000-line benchmark (not a timed test: it prints its figures). Run it on a release build:
/// `cargo test --release --test app commissions::statements::fifty_thousand -- --ignored --nocapture`
/// (with `AE_TEST_DATABASE_URL` for PostgreSQL). A book of 50,000 policies at one carrier, each
/// expecting $120.00 this month; a statement of 50,000 lines: 49,500 paid by number (every 100th
/// short), 500 in no book, and 500 policies not paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn fifty_thousand_lines_are_imported_and_matched() {
    const POLICIES: usize = 50_000;
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (_writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    sql(&app, &format!("UPDATE agents SET npn = '1234567' WHERE id = {agent}"));
    let first = record(&app, input(agent, carrier, life, "B-0", "FL"));
    let cols = "contact_id, agent_id, carrier_id, product_id, insured_name, status, product_line, submitted_on, \
                effective_on, term_end_on, premium_cents, billing_frequency, lives, plan_year, enrollment_type, coverage, \
                insured_street, insured_city, insured_state, insured_zip, source, created_by, created_at, updated_at, \
                status_changed_at";
    let copies = POLICIES - 1;
    let insert = match app.db.backend() {
        agency_engine::db::Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
             INSERT INTO policies (policy_number, {cols}) SELECT 'B-' || n.i, {cols} FROM policies, n WHERE policies.id = {first}"
        ),
        agency_engine::db::Backend::Postgres => format!(
            "INSERT INTO policies (policy_number, {cols}) SELECT 'B-' || n.i, {cols} \
             FROM policies, generate_series(1, {copies}) AS n(i) WHERE policies.id = {first}"
        ),
    };
    sql(&app, &insert);
    sql(
        &app,
        &format!("UPDATE policies SET status = 'active' WHERE carrier_id = {carrier}"),
    );
    let period = engine::month_of(agency_engine::db::now().date());
    let at = agency_engine::db::now().format("%Y-%m-%d %H:%M:%S");
    sql(
        &app,
        &format!(
            "INSERT INTO commission_entries (policy_id, payee_kind, payee_id, role, period, kind, amount_cents, source, note, created_at) \
             SELECT id, 'agent', agent_id, 'writing', '{period}', 'expected', 12000, 'computed', '', '{at}' FROM policies WHERE carrier_id = {carrier}"
        ),
    );
    let mut csv = String::from("Policy Number,Insured,Amount,Writing Agent NPN\n");
    for i in 0..49_500 {
        let amount = if i % 100 == 0 { "60.00" } else { "120.00" };
        csv.push_str(&format!("B-{i},Rosa Delgado,{amount},1234567\n"));
    }
    for i in 0..500 {
        csv.push_str(&format!("NOPE-{i},Nobody {i},10.00,\n"));
    }
    let month = period.format("%Y-%m").to_string();
    let started = std::time::Instant::now();
    let r = upload(&app, carrier, &month, "big.csv", csv.into_bytes()).await;
    let uploaded = started.elapsed();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let mapped = std::time::Instant::now();
    let r = map(&app, &html, &["policy_number", "insured", "amount", "agent"]).await;
    let matched = mapped.elapsed();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r);
    let shown = std::time::Instant::now();
    let (status, _) = app.page(&format!("/admin/commissions/statements/{id}")).await;
    let page = shown.elapsed();
    assert_eq!(status, 200);
    let count = |kind: &str| {
        app.count(&format!(
            "carrier_statement_lines WHERE statement_id = {id} AND exception = '{kind}'"
        ))
    };
    assert_eq!(
        (
            count("unmatched"),
            count("short_paid"),
            count("not_paid"),
            count("other_agent")
        ),
        (500, 495, 500, 0)
    );
    println!(
        "50,000-line statement on {}: upload and read {:.2} s, map + parse + match + write {:.2} s (total {:.2} s); worklist page {} ms",
        app.db.backend().name(),
        uploaded.as_secs_f64(),
        matched.as_secs_f64(),
        (uploaded + matched).as_secs_f64(),
        page.as_millis()
    );
    let _ = owner;
}
