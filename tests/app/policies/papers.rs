//! Policies: documents, SOA records and the rules page.

use agency_engine::auth::roles::Role;
use agency_engine::domain::policy::{SoaMethod, SoaStatus};
use agency_engine::policies::model::{self as pm, papers};
use reqwest::StatusCode;

use super::*;
use crate::harness::{csrf_from, location_id, spawn_app, spawn_with};
use crate::smtp::SmtpServer;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// POSTs a document upload (multipart, CSRF in the header).
async fn upload(app: &TestApp, policy: i64, kind: &str, name: &str, bytes: &[u8]) -> reqwest::Response {
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new().text("kind", kind.to_string()).part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .unwrap(),
    );
    app.client
        .post(app.url(&format!("/policies/{policy}/documents")))
        .header("X-CSRF-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn soa(app: &TestApp, id: i64) -> pm::SoaRow {
    app.db.read_blocking(move |c| Ok(pm::find_soa(c, id)?)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_is_kept_checked_by_its_bytes_verified_by_staff_and_downloaded_only_by_who_sees_the_policy() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let id = record(&app, input(agent, carrier, life, "AL-2001", "FL"));
    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;

    // A text file named .pdf: refused by its bytes, 422 on the policy page, nothing kept.
    let r = upload(
        &me,
        id,
        "policy",
        "policy.pdf",
        b"This is not a PDF, only text named policy.pdf",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("must be a PDF or a JPEG, PNG or WebP image"), "{html}");
    assert_eq!(app.count("policy_documents"), 0);

    // A real PDF: kept with its type, size and SHA-256; its history and audit entry written.
    let r = upload(&me, id, "policy", "Policy AL-2001.pdf", PDF).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let docs = app.db.read_blocking(move |c| Ok(pm::documents(c, id)?)).unwrap();
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!(doc.content_type, "application/pdf");
    assert_eq!(doc.size_bytes, PDF.len() as i64);
    {
        use sha2::Digest;
        assert_eq!(doc.sha256, hex::encode(sha2::Sha256::digest(PDF)));
    }
    assert!(doc.verified_at.is_none());
    assert_eq!(
        app.count(&format!(
            "policy_events WHERE policy_id = {id} AND kind = 'document_added'"
        )),
        1
    );
    assert!(app.audit_actions().contains(&"policy.document_added".to_string()));
    let (_, page) = me.page(&format!("/policies/{id}")).await;
    assert!(
        page.contains("Policy AL-2001.pdf") && page.contains("Policy document"),
        "{page}"
    );

    // Its agent downloads it, as an attachment of the type found.
    let url = format!("/policies/{id}/documents/{}", doc.id);
    let r = me.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), PDF);

    // Another agent: not found, for the download and the upload alike.
    let other = app.new_client();
    other.login_as(Role::Agent).await;
    assert_eq!(other.get(&url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        upload(&other, id, "policy", "x.pdf", PDF).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        me.get(&format!("/policies/{id}/documents/999999")).await.status(),
        StatusCode::NOT_FOUND
    );

    // Verified by staff only, once.
    let verify = format!("/policies/{id}/documents/{}/verify", doc.id);
    assert_eq!(me.post_form(&verify, &[]).await.status(), StatusCode::FORBIDDEN);
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    assert_eq!(admin.post_form(&verify, &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.post_form(&verify, &[]).await.status(), StatusCode::SEE_OTHER);
    let docs = app.db.read_blocking(move |c| Ok(pm::documents(c, id)?)).unwrap();
    assert!(docs[0].verified_at.is_some());
    assert_eq!(
        app.count(&format!(
            "policy_events WHERE policy_id = {id} AND kind = 'document_verified'"
        )),
        1
    );
    assert!(app.audit_actions().contains(&"policy.document_verified".to_string()));
    let (_, page) = me.page(&format!("/policies/{id}")).await;
    assert!(page.contains("Verified"));

    // An image is a document too, kept as the type its bytes say.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82";
    let r = upload(&me, id, "id_card", "card.pdf", png).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let docs = app.db.read_blocking(move |c| Ok(pm::documents(c, id)?)).unwrap();
    assert_eq!(docs[1].content_type, "image/png");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_over_the_size_setting_is_refused() {
    let app = spawn_with(|s| s.document_max_bytes = 100).await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let id = record(&app, input(agent, carrier, life, "AL-3001", "FL"));
    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;
    let r = upload(&me, id, "policy", "big.pdf", PDF).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("larger than 1 KB"));
    assert_eq!(app.count("policy_documents"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_soa_link_is_emailed_works_once_and_the_signed_record_keeps_the_text_address_and_browser() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = spawn_with(move |s| s.smtp_url = Some(url)).await;
    let (carrier, ma, _life) = catalogue(&app, "Sunshine Health");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let mut i = input(agent, carrier, ma, "SH-1", "FL");
    i.email = "rosa.delgado@example.test".into();
    let policy = record(&app, i);
    let contact = app
        .db
        .read_blocking(move |c| Ok(pm::find(c, policy)?.contact_id))
        .unwrap();
    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;

    // The Medicare policy's page warns that no SOA is on record.
    let (_, page) = me.page(&format!("/policies/{policy}")).await;
    assert!(page.contains("No valid Scope of Appointment"), "{page}");

    // Missing fields: 422, each named, what was chosen kept.
    let r = me
        .post_form(
            "/soa",
            &[("contact_id", &contact.to_string()), ("method", "electronic")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Choose at least one product type"), "{html}");

    let r = me
        .post_form(
            "/soa",
            &[
                ("contact_id", &contact.to_string()),
                ("product_types", "medicare_advantage"),
                ("product_types", "part_d"),
                ("method", "electronic"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location_id(&r);
    let row = soa(&app, id);
    assert_eq!(row.status, SoaStatus::AwaitingSignature);
    assert_eq!(row.method, SoaMethod::Electronic);
    assert!(app.audit_actions().contains(&"soa.created".to_string()));

    let mail = smtp.wait_for(1).await;
    assert_eq!(mail[0].to, vec!["rosa.delgado@example.test".to_string()]);
    assert!(mail[0].subject().contains("Scope of Appointment"));
    let link = mail[0].link("/soa/sign/").expect("a signing link");
    let token = link.rsplit('/').next().unwrap().to_string();
    assert_ne!(
        row.token_hash.as_deref(),
        Some(token.as_str()),
        "only the link's digest is kept"
    );

    // The beneficiary opens it, not signed in: the wording and the products.
    let beneficiary = crate::harness::client();
    let r = beneficiary.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Medicare Advantage") && html.contains("Part D"), "{html}");
    assert!(
        html.contains("Wanda Writer") && html.contains("not an obligation to enroll"),
        "{html}"
    );
    let csrf = csrf_from(&html);

    // Without ticking the box: 422, the name kept.
    let r = beneficiary
        .post(&link)
        .form(&[("signed_name", "Rosa Delgado"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"Rosa Delgado\""));

    let sign = || {
        beneficiary
            .post(&link)
            .header("User-Agent", "Mozilla/5.0 (Test Tablet) SOA-Test/1.0")
            .form(&[("signed_name", "Rosa Delgado"), ("agree", "yes"), ("csrf_token", &csrf)])
            .send()
    };
    let r = sign().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("it is signed"));

    let row = soa(&app, id);
    assert_eq!(row.status, SoaStatus::Signed);
    assert_eq!(row.signed_name.as_deref(), Some("Rosa Delgado"));
    let text = row.signed_text.clone().unwrap();
    assert!(
        text.contains("Medicare Advantage, Part D") && text.contains("Wanda Writer"),
        "{text}"
    );
    assert!(!text.contains("{agent}"));
    assert_eq!(row.signed_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        row.signed_user_agent.as_deref(),
        Some("Mozilla/5.0 (Test Tablet) SOA-Test/1.0")
    );
    let signed_at = row.signed_at.unwrap();
    assert_eq!(row.valid_until, signed_at.checked_add_months(chrono::Months::new(12)));
    assert!(row.token_used_at.is_some());
    assert!(app.audit_actions().contains(&"soa.signed".to_string()));

    // The second use is refused with a clear page, both ways.
    let r = sign().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("already been used"));
    let r = beneficiary.get(&link).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(soa(&app, id).signed_at, Some(signed_at), "signed once");
    let r = beneficiary
        .get(format!("{}/soa/sign/not-a-real-token", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The agent's pages: the record, the list (searched), and the policy now finds it.
    let (status, html) = me.page(&format!("/soa/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("127.0.0.1") && html.contains("SOA-Test/1.0"), "{html}");
    let (_, list) = me.page("/soa?q=delgado").await;
    assert!(list.contains(&format!("/soa/{id}")), "{list}");
    let (_, list) = me.page("/soa?q=nobody").await;
    assert!(!list.contains(&format!("/soa/{id}")));
    let (_, page) = me.page(&format!("/policies/{policy}")).await;
    assert!(page.contains(&format!("/soa/{id}")) && !page.contains("No valid Scope of Appointment"));

    // Another agent sees neither the record nor the row.
    let other = app.new_client();
    other.login_as(Role::Agent).await;
    assert_eq!(other.get(&format!("/soa/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert!(!other.page("/soa").await.1.contains(&format!("/soa/{id}")));
    let r = other
        .post_form(
            "/soa",
            &[
                ("contact_id", &contact.to_string()),
                ("product_types", "part_d"),
                ("method", "phone"),
                ("signed_at", "2026-01-05T10:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not their beneficiary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_signing_link_is_refused() {
    let app = spawn_app().await;
    let (carrier, ma, _life) = catalogue(&app, "Sunshine Health");
    let (_writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let policy = record(&app, input(agent, carrier, ma, "SH-2", "FL"));
    let contact = app
        .db
        .read_blocking(move |c| Ok(pm::find(c, policy)?.contact_id))
        .unwrap();
    let token = "an-expired-link-for-this-test-0123456789";
    let hash = agency_engine::auth::tokens::digest(token);
    let id = app
        .db
        .write_blocking(move |c| {
            let at = agency_engine::db::now();
            Ok(papers::insert_soa(
                c,
                &papers::NewSoa {
                    contact_id: contact,
                    agent_id: agent,
                    lead_id: None,
                    product_types: "part_d".into(),
                    method: SoaMethod::Electronic,
                    status: SoaStatus::AwaitingSignature,
                    appointment_at: None,
                    signed_at: None,
                    valid_until: None,
                    retain_until: at.date(),
                    signed_name: None,
                    token_hash: Some(hash),
                    token_expires_at: Some(at - chrono::Duration::hours(1)),
                    created_by: None,
                    created_at: at - chrono::Duration::hours(73),
                    updated_at: at,
                },
            )?)
        })
        .unwrap();
    let beneficiary = app.new_client();
    let (status, html) = beneficiary.page(&format!("/soa/sign/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This link has expired"), "{html}");
    let r = beneficiary
        .post_form(
            &format!("/soa/sign/{token}"),
            &[("signed_name", "Rosa Delgado"), ("agree", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    let row = soa(&app, id);
    assert_eq!(row.status, SoaStatus::AwaitingSignature);
    assert!(row.signed_at.is_none() && row.signed_text.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_page_saves_a_checked_value_and_the_soa_validity_follows_it() {
    let app = spawn_app().await;
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (status, html) = owner.page("/admin/policies/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Months a Scope of Appointment stays valid") && html.contains("42 CFR 422.2264"));

    // A bad value: 422 with the rule's message, the typed value kept, nothing changed.
    let r = owner
        .post_form("/admin/policies/rules", &[("key", "soa_valid_months"), ("value", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Give a whole number from 1 to 60."), "{html}");
    assert!(html.contains("value=\"0\""));
    let r = owner
        .post_form(
            "/admin/policies/rules",
            &[("key", "soa_wording"), ("value", "Too short")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!app.audit_actions().contains(&"policy.rule_changed".to_string()));

    let r = owner
        .post_form("/admin/policies/rules", &[("key", "soa_valid_months"), ("value", "6")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.audit_actions().contains(&"policy.rule_changed".to_string()));
    let rules = app.db.read_blocking(service::rules).unwrap();
    assert_eq!(rules.soa_valid_months, 6);

    // Agents may not change rules.
    let (carrier, ma, _life) = catalogue(&app, "Sunshine Health");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;
    assert_eq!(me.get("/admin/policies/rules").await.status(), StatusCode::FORBIDDEN);

    // An SOA signed by phone is valid for the rule's 6 months and kept 10 years.
    let policy = record(&app, input(agent, carrier, ma, "SH-3", "FL"));
    let contact = app
        .db
        .read_blocking(move |c| Ok(pm::find(c, policy)?.contact_id))
        .unwrap();
    let r = me
        .post_form(
            "/soa",
            &[
                ("contact_id", &contact.to_string()),
                ("product_types", "medicare_supplement"),
                ("method", "phone"),
                ("signed_at", "2026-01-05T10:00"),
                ("appointment_at", "2026-01-09T14:30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let row = soa(&app, location_id(&r));
    assert_eq!(row.status, SoaStatus::Signed);
    // 10:00 in New York (the agent's zone) is 15:00 UTC.
    let signed = chrono::NaiveDateTime::parse_from_str("2026-01-05 15:00", "%Y-%m-%d %H:%M").unwrap();
    assert_eq!(row.signed_at, Some(signed));
    assert_eq!(
        row.valid_until,
        Some(chrono::NaiveDateTime::parse_from_str("2026-07-05 15:00", "%Y-%m-%d %H:%M").unwrap())
    );
    assert_eq!(row.retain_until, chrono::NaiveDate::from_ymd_opt(2036, 1, 5).unwrap());
    assert_eq!(
        row.appointment_at,
        Some(chrono::NaiveDateTime::parse_from_str("2026-01-09 19:30", "%Y-%m-%d %H:%M").unwrap())
    );
    // A signature in the future is refused.
    let r = me
        .post_form(
            "/soa",
            &[
                ("contact_id", &contact.to_string()),
                ("product_types", "part_d"),
                ("method", "in_person"),
                ("signed_at", "2099-01-05T10:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("cannot be in the future"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soa_list_pages_newest_first_and_a_policy_takes_only_its_insureds_soa() {
    let app = spawn_app().await;
    let (carrier, ma, _life) = catalogue(&app, "Pager Health");
    let (writer, agent) = licensed_agent(&app, "Sam Soa", &["FL"]);
    let policy = record(&app, input(agent, carrier, ma, "SP-1", "FL"));
    let contact = app
        .db
        .read_blocking(move |c| Ok(pm::find(c, policy)?.contact_id))
        .unwrap();
    let me = app.new_client();
    me.login(&writer.email, &writer.password).await;
    let total = agency_engine::policies::soa::SOAS_PER_PAGE + 3;
    let mut ids = Vec::new();
    for n in 0..total {
        let signed = format!("2026-01-{:02}T10:00", 1 + n % 28);
        let r = me
            .post_form(
                "/soa",
                &[
                    ("contact_id", contact.to_string().as_str()),
                    ("product_types", "part_d"),
                    ("method", "phone"),
                    ("signed_at", signed.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        ids.push(location_id(&r));
    }
    let on = |html: &str| {
        ids.iter()
            .filter(|id| html.contains(&format!("href=\"/soa/{id}\"")))
            .count()
    };
    let (status, first) = me.page("/soa").await;
    assert_eq!(status, 200);
    assert_eq!(on(&first), total - 3);
    assert!(
        first.contains(&format!("href=\"/soa/{}\"", ids[total - 1])),
        "the newest first"
    );
    let next = format!("/soa?before={}", ids[3]);
    assert!(first.contains(&format!("href=\"{next}\"")), "{first}");
    let (_, second) = me.page(&next).await;
    assert_eq!(on(&second), 3);
    assert!(second.contains("Newest") && !second.contains("rel=\"next\""));

    // A policy names an SOA of its own insured only.
    let other = licensed_agent(&app, "Oscar Other", &["FL"]).1;
    let mut i = input(other, carrier, ma, "SP-2", "FL");
    i.soa_id = Some(ids[0]);
    let refused = app
        .db
        .write_blocking(move |c| service::create(c, &Viewer::system(), None, &i, PolicySource::Manual));
    assert!(refused.is_err(), "a new insured cannot take another beneficiary's SOA");
    assert_eq!(app.count("policies WHERE policy_number = 'SP-2'"), 0);
}
