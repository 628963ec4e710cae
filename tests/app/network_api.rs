//! Tests for issue 17, items 6 and 11: a member's own API token (it acts as them and nobody
//! else), the network API's 201/422/idempotency, and a converted referral booking the referrer's
//! share raised by their tier's multiplier.

use agency_engine::auth::roles::{Actor, Role};
use agency_engine::network::{model, service};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::harness::{location_id, spawn_with, TestApp, TestUser};

/// Connects `a` and `b` (asked by `a`, accepted by `b`).
fn connect(app: &TestApp, a: i64, b: i64) {
    app.db
        .write_blocking(move |c| {
            let member = |id| {
                (
                    service::NetworkActor { id, role: Role::Broker },
                    agency_engine::audit::AuditActor {
                        id: Some(id),
                        label: format!("broker {id}"),
                        ip: None,
                    },
                )
            };
            let (actor, who) = member(a);
            let (id, _) = service::request_connection(c, actor, &who, &b.to_string(), "partnership", "")?;
            let (back, back_who) = member(b);
            service::answer_connection(c, back, &back_who, id, true)?;
            Ok(())
        })
        .expect("connected");
}

async fn signed_in(app: &TestApp, user: &TestUser) -> TestApp {
    let b = app.new_client();
    b.login(&user.email, &user.password).await;
    b
}

/// Makes a token on the member's own page, as they would; returns it as shown that once.
async fn own_token(member: &TestApp, name: &str) -> String {
    let csrf = member.csrf().await;
    let r = member
        .post_form("/network/api-tokens", &[("csrf_token", csrf.as_str()), ("name", name)])
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let at = html.find("id=\"new-token\">").expect("the token is shown once") + "id=\"new-token\">".len();
    html[at..].split('<').next().unwrap().to_string()
}

async fn post_json(app: &TestApp, path: &str, token: &str, key: Option<&str>, body: &str) -> Response {
    let mut r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json");
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.body(body.to_string()).send().await.expect("API POST")
}

/// `POST /api/v1/network/referrals` with the token, and the key when given.
async fn refer_api(app: &TestApp, token: &str, key: Option<&str>, body: &str) -> Response {
    post_json(app, "/api/v1/network/referrals", token, key, body).await
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let r = app.api_get(path, token).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn referral_body(receiver: i64, last_name: &str, phone: &str) -> Value {
    json!({
        "target": format!("broker:{receiver}"),
        "first_name": "Zed",
        "last_name": last_name,
        "phone": phone,
        "zip": "33101",
        "product_line": "medicare_advantage",
        "consent_text": "I agree to be contacted about Medicare plans.",
        "consent_sellers": "Bea Receiver",
        "split_kind": "flat",
        "fee": 50,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_token_acts_as_them_alone_with_the_lead_apis_answers_and_retries() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let a = app.login_as(Role::Broker).await;
    let b = app.create_user(Role::Broker, "Bea Receiver");
    let outsider = app.create_user(Role::Broker, "Otto Outside");
    connect(&app, a.id, b.id);

    // The member's own page makes tokens; a nameless one is refused with the field named.
    let (status, page) = app.page("/network/api-tokens").await;
    assert_eq!(status, 200);
    assert!(page.contains("No tokens yet"));
    let csrf = app.csrf().await;
    let r = app
        .post_form("/network/api-tokens", &[("csrf_token", csrf.as_str()), ("name", "  ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token_a = own_token(&app, "My CRM").await;
    assert_eq!(
        app.count(&format!("api_tokens WHERE owner_id = {} AND scopes = 'network'", a.id)),
        1
    );
    // The agency's token page cannot make a network token: it would act as nobody.
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    let csrf = admin.csrf().await;
    let r = admin
        .post_form(
            "/admin/api-tokens",
            &[("csrf_token", csrf.as_str()), ("name", "Sneaky"), ("scope", "network")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("network API tokens page"));
    assert_eq!(app.count("api_tokens WHERE name = 'Sneaky'"), 0);
    let agency_token = app.api_token("Website", &["leads:write"]);
    assert_eq!(
        app.api_get("/api/v1/network/profile", &agency_token).await.status(),
        StatusCode::FORBIDDEN
    );

    let (status, me) = get_json(&app, "/api/v1/network/profile", &token_a).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], json!(a.id));

    // 201 with Location; the same request retried with its key is the same answer, not a second referral.
    let body = referral_body(b.id, "Quillfeather", "305-555-0142").to_string();
    let r = refer_api(&app, &token_a, Some("ref-1"), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = location_id(&r);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["status"], "pending", "the consent names the receiver");
    assert_eq!(first["fee_cents"], 5_000);
    let again = refer_api(&app, &token_a, Some("ref-1"), &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], json!(id));
    assert_eq!(app.count("referrals"), 1);
    let other_body = referral_body(b.id, "Ostrander", "305-555-0199").to_string();
    let reused = refer_api(&app, &token_a, Some("ref-1"), &other_body).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("referrals"), 1);

    // 422 names every bad field and writes nothing: a stranger as target, a Medicare fee above
    // the CMS limit, text where text belongs. Retried with its key, the same 422.
    let mut bad = referral_body(outsider.id, "Ostrander", "305-555-0199");
    bad["fee"] = json!("150");
    bad["note"] = json!({ "nested": true });
    let r = refer_api(&app, &token_a, Some("bad-1"), &bad.to_string()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = r.json().await.unwrap();
    assert!(refused["fields"]["note"].is_array(), "{refused}");
    let bad_rules = json!({ "target": format!("broker:{}", outsider.id), "first_name": "Zed", "last_name": "Ostrander",
        "phone": "305-555-0199", "product_line": "medicare_advantage", "consent_text": "Yes", "consent_sellers": "Bea Receiver",
        "split_kind": "flat", "fee": "150" });
    let r = refer_api(&app, &token_a, Some("bad-2"), &bad_rules.to_string()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = r.json().await.unwrap();
    assert!(refused["fields"]["target"].is_array(), "{refused}");
    assert!(refused["fields"]["fee"].to_string().contains("CMS"), "{refused}");
    let r = refer_api(&app, &token_a, Some("bad-2"), &bad_rules.to_string()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers().get("idempotent-replayed").unwrap(), "true");
    let r = refer_api(&app, &token_a, None, "{not json").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("referrals"), 1);

    // The receiver's own token sees the person (consent is in place) and answers.
    let bea = signed_in(&app, &b).await;
    let token_b = own_token(&bea, "Bea's CRM").await;
    let (status, got) = get_json(&app, "/api/v1/network/referrals?side=received", &token_b).await;
    assert_eq!(status, 200);
    assert_eq!(got["referrals"][0]["id"], json!(id));
    assert_eq!(got["referrals"][0]["person"]["last_name"], "Quillfeather");
    let path = format!("/api/v1/network/referrals/{id}/status");
    let r = post_json(&app, &path, &token_b, None, r#"{"status":"declined"}"#).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decline needs its reason"
    );
    let r = post_json(&app, &path, &token_b, None, r#"{"status":"converted"}"#).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The referrer cannot answer for the receiver, and an outsider's token finds nothing.
    let r = post_json(&app, &path, &token_a, None, r#"{"status":"accepted"}"#).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let otto = signed_in(&app, &outsider).await;
    let token_o = own_token(&otto, "Otto's").await;
    assert_eq!(
        app.api_get(&format!("/api/v1/network/referrals/{id}"), &token_o)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = post_json(&app, &path, &token_o, None, r#"{"status":"accepted"}"#).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, none) = get_json(&app, "/api/v1/network/referrals", &token_o).await;
    assert_eq!(none["referrals"], json!([]));
    let r = post_json(&app, &path, &token_b, None, r#"{"status":"accepted"}"#).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "accepted");
    assert!(app.audit_actions().contains(&"network.referral_accepted".to_string()));
    // A second person, declined with a reason: the referrer reads why.
    let r = refer_api(&app, &token_a, None, &other_body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let second = location_id(&r);
    let r = post_json(
        &app,
        &format!("/api/v1/network/referrals/{second}/status"),
        &token_b,
        None,
        r#"{"status":"declined","reason":"I do not sell in that county"}"#,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, seen) = get_json(&app, &format!("/api/v1/network/referrals/{second}"), &token_a).await;
    assert_eq!(seen["status"], "declined");
    assert_eq!(seen["decline_reason"], "I do not sell in that county");

    // Score, connections with reach, the leaderboard.
    let (status, score) = get_json(&app, "/api/v1/network/score", &token_a).await;
    assert_eq!(status, 200);
    assert_eq!(score["tier"], "Bronze");
    let (_, conns) = get_json(&app, "/api/v1/network/connections", &token_a).await;
    assert_eq!(conns["reach"]["first"], 1);
    assert_eq!(conns["connections"][0]["member_id"], json!(b.id));
    let (status, board) = get_json(&app, "/api/v1/network/leaderboard?period=month", &token_a).await;
    assert_eq!(status, 200);
    assert_eq!(board["period"], "month");
    assert_eq!(
        app.api_get("/api/v1/network/leaderboard?page=0", &token_a)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Another member cannot revoke A's token; A can, and it answers 401 from then on.
    let token_id: i64 = app
        .first_value(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM api_tokens WHERE owner_id = {}",
            a.id
        ))
        .unwrap()
        .parse()
        .unwrap();
    let csrf = otto.csrf().await;
    let r = otto
        .post_form(
            &format!("/network/api-tokens/{token_id}/revocation"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let csrf = app.csrf().await;
    let r = app
        .post_form(
            &format!("/network/api-tokens/{token_id}/revocation"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.api_get("/api/v1/network/profile", &token_a).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A deactivated member's token stops working with them.
    let bid = b.id;
    app.db
        .write_blocking(move |c| {
            let owner = Actor {
                id: 0,
                role: Role::Owner,
            };
            agency_engine::auth::service::set_active(
                c,
                owner,
                &agency_engine::audit::AuditActor::system("test"),
                bid,
                false,
            )
            .map(|_| ())
        })
        .unwrap();
    assert_eq!(
        app.api_get("/api/v1/network/profile", &token_b).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Refers a consenting person with a life lead to `target` through the form, as the signed-in
/// member; `split` is `("split_percent", "20")` or `("fee", "50")`. Returns the referral's id.
async fn refer(member: &TestApp, target: &str, last: &str, phone: &str, split: (&str, &str)) -> i64 {
    let csrf = member.csrf().await;
    let kind = if split.0 == "fee" { "flat" } else { "percent" };
    let form = [
        ("csrf_token", csrf.as_str()),
        ("target", target),
        ("first_name", "Zed"),
        ("last_name", last),
        ("phone", phone),
        ("zip", "33101"),
        ("product_line", "life"),
        ("consent_text", "I agree to be contacted about life insurance."),
        ("consent_sellers", "Bea Receiver, Gulf Team Brokers"),
        ("split_kind", kind),
        split,
    ];
    let r = member.post_form("/network/referrals", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    location_id(&r)
}

/// The receiver accepts on the referral's page.
async fn accept(receiver: &TestApp, id: i64) {
    let csrf = receiver.csrf().await;
    let r = receiver
        .post_form(
            &format!("/network/referrals/{id}/accept"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// The first of last month: policies effective then have commission due in two months.
fn last_month() -> chrono::NaiveDate {
    agency_engine::commissions::engine::month_of(agency_engine::db::now().date()) - chrono::Months::new(1)
}

/// The receiver's agent records an active $100 monthly policy for the referred lead, effective
/// the first of last month (the referral converts).
fn record_policy(app: &TestApp, referral: i64, agent: i64, (carrier, product): (i64, i64), number: &str) -> i64 {
    let (lead, contact) = app
        .db
        .read_blocking(move |c| {
            let r = model::referral(c, referral)?.expect("the referral");
            Ok((r.lead_id.expect("accepted: the lead"), r.contact_id))
        })
        .unwrap();
    let start = last_month();
    let mut i = crate::policies::input(agent, carrier, product, number, "FL");
    i.contact_id = Some(contact);
    i.lead_id = Some(lead);
    i.submitted_on = (start - chrono::Duration::days(5)).to_string();
    i.effective_on = start.to_string();
    let id = crate::policies::record(app, i);
    app.db
        .write_blocking(move |c| {
            Ok(diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("UPDATE policies SET status = 'active' WHERE id = {id}")),
                c,
            )?)
        })
        .unwrap();
    id
}

fn ledger_sum(app: &TestApp, filter: &str) -> i64 {
    app.first_value(&format!(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS TEXT) AS v FROM commission_entries WHERE {filter}"
    ))
    .unwrap()
    .parse()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_converted_referral_pays_the_referrer_their_share_raised_by_their_tier() {
    use agency_engine::commissions::{jobs, service as commissions};
    use chrono::{Datelike, Months};
    let app = spawn_with(|s| s.run_worker = false).await;
    let a = app.login_as(Role::Broker).await;
    let b = app.create_user(Role::Broker, "Bea Receiver");
    connect(&app, a.id, b.id);
    let (carrier, _ma, life) = crate::policies::catalogue(&app, "Acme Life");

    // The owner lowers Silver (+5 %) to one point: a tier is a setting, not code.
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let csrf = boss.csrf().await;
    let r = boss
        .post_form(
            "/admin/network/rules",
            &[("csrf_token", csrf.as_str()), ("tier_silver_points", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Two referrals of life leads to Bea, both consented to: 20 % of the commission, and $50.
    let to_bea = format!("broker:{}", b.id);
    let share = refer(&app, &to_bea, "Percival", "305-555-0101", ("split_percent", "20")).await;
    let fee = refer(&app, &to_bea, "Flatley", "305-555-0102", ("fee", "50")).await;
    let bea = signed_in(&app, &b).await;
    for id in [share, fee] {
        accept(&bea, id).await;
    }
    // The score job puts the referrer in Silver.
    app.db
        .write_blocking(|c| agency_engine::network::standing::recompute(c, &[], agency_engine::db::now()).map(|_| ()))
        .unwrap();
    assert_eq!(
        app.first_value(&format!(
            "SELECT tier AS v FROM network_scores WHERE user_id = {}",
            a.id
        )),
        Some("Silver".into())
    );

    // Bea records a policy for each referred lead: an active $100 monthly life policy since
    // the first of last month.
    let bea_agent = app.agent_id(&b);
    let start = last_month();
    let p_share = record_policy(&app, share, bea_agent, (carrier, life), "AL-501");
    let p_fee = record_policy(&app, fee, bea_agent, (carrier, life), "AL-502");
    assert_eq!(
        app.count(&format!(
            "referrals WHERE status = 'converted' AND id IN ({share}, {fee})"
        )),
        2
    );
    // The percent referral is a split: 20 % raised by Silver's 5 % is 21 %, the writer keeps 79 %.
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(s.share_bps AS TEXT) AS v FROM commission_split_shares s JOIN commission_splits p ON p.id = s.split_id \
             WHERE p.policy_id = {p_share} AND s.payee_kind = 'broker' AND s.payee_id = {}",
            a.id
        )),
        Some("2100".into())
    );
    // The flat fee: $50 raised by 5 % is $52.50 to the referrer, taken from the writer.
    let sum = |filter: String| ledger_sum(&app, &filter);
    assert_eq!(
        sum(format!(
            "policy_id = {p_fee} AND payee_kind = 'broker' AND payee_id = {}",
            a.id
        )),
        5_250
    );
    assert_eq!(sum(format!("policy_id = {p_fee} AND payee_kind = 'agent'")), -5_250);

    // The month computed at 20 % of premium: $40.00 on the shared policy, $8.40 of it the referrer's.
    let who = agency_engine::audit::AuditActor::system("test");
    let schedule = commissions::ScheduleInput {
        product_id: Some(life),
        effective_from: "2000-01-01".into(),
        basis: "percent".into(),
        first_year: "20".into(),
        pay_mode: "as_earned".into(),
        ..Default::default()
    };
    app.db
        .write_blocking(move |c| {
            commissions::create_schedule(
                c,
                Actor {
                    id: 0,
                    role: Role::Owner,
                },
                &who,
                &schedule,
            )
        })
        .unwrap();
    let period = (start + Months::new(1)).with_day(1).unwrap();
    let run = app.db.write_blocking(move |c| jobs::queue(c, period, None)).unwrap();
    jobs::run_all(&app.db, run, &Default::default()).unwrap();
    assert_eq!(sum(format!("policy_id = {p_share}")), 4_000);
    assert_eq!(
        sum(format!(
            "policy_id = {p_share} AND payee_kind = 'broker' AND payee_id = {}",
            a.id
        )),
        840
    );
    assert_eq!(sum(format!("policy_id = {p_share} AND payee_kind = 'agent'")), 3_160);

    // The referrer's page says so.
    let (_, page) = app.page(&format!("/network/referrals/{share}")).await;
    assert!(page.contains("Converted"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_takes_referrals_by_its_routing_strategy_and_shares_its_pool_to_the_cent() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let (carrier, _ma, life) = crate::policies::catalogue(&app, "Acme Life");
    let leader = app.create_user(Role::Broker, "Lena Leader");
    let m1 = app.create_user(Role::Broker, "Milo One");
    let m2 = app.create_user(Role::Broker, "Mara Two");
    let bea = app.create_user(Role::Broker, "Bea Receiver");
    let referrer = app.create_user(Role::Broker, "Rex Referrer");
    // The team's members share a brokerage, which the people's consent names.
    for u in [&leader, &m1, &m2] {
        let id = u.id;
        app.db
            .write_blocking(move |c| {
                let form = service::ProfileForm {
                    brokerage: "Gulf Team Brokers".into(),
                    languages: "en".into(),
                    capacity_per_month: "10".into(),
                    available: Some("on".into()),
                    ..Default::default()
                };
                let actor = service::NetworkActor { id, role: Role::Broker };
                service::save_profile(c, actor, &agency_engine::audit::AuditActor::system("test"), &form)
            })
            .expect("profile");
    }
    connect(&app, m1.id, bea.id);
    connect(&app, m2.id, bea.id);

    // The owner makes the team with its leader; the leader adds two members; another broker cannot.
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let csrf = boss.csrf().await;
    let leader_id = leader.id.to_string();
    let r = boss
        .post_form(
            "/network/teams",
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Gulf Coast"),
                ("leader", leader_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let team = location_id(&r);
    let lena = signed_in(&app, &leader).await;
    for m in [&m1, &m2] {
        let csrf = lena.csrf().await;
        let id = m.id.to_string();
        let r = lena
            .post_form(
                &format!("/network/teams/{team}/members"),
                &[("csrf_token", csrf.as_str()), ("user_id", id.as_str())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let milo = signed_in(&app, &m1).await;
    let csrf = milo.csrf().await;
    let rex_id = referrer.id.to_string();
    let r = milo
        .post_form(
            &format!("/network/teams/{team}/members"),
            &[("csrf_token", csrf.as_str()), ("user_id", rex_id.as_str())],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "only the leader or staff manage a team"
    );
    assert_eq!(app.count(&format!("broker_team_members WHERE team_id = {team}")), 3);

    // Three referrals to the team go to three different members, in turn.
    let rex = signed_in(&app, &referrer).await;
    let target = format!("team:{team}");
    let mut receivers = Vec::new();
    for (last, phone) in [
        ("Ames", "305-555-0111"),
        ("Baker", "305-555-0112"),
        ("Cole", "305-555-0113"),
    ] {
        let id = refer(&rex, &target, last, phone, ("split_percent", "10")).await;
        let receiver = app
            .db
            .read_blocking(move |c| Ok(model::referral(c, id)?.expect("referral").receiver_id))
            .unwrap()
            .expect("a member receives it");
        receivers.push(receiver);
    }
    receivers.sort();
    let mut members = vec![leader.id, m1.id, m2.id];
    members.sort();
    assert_eq!(receivers, members, "round-robin: each member once");

    // The leader shares by percent instead: all of it to Milo. Shares that do not add up are
    // refused with the message, and only the leader or staff may change it.
    async fn share(client: &TestApp, team: i64, strategy: &str, shares: &str) -> Response {
        let csrf = client.csrf().await;
        client
            .post_form(
                &format!("/network/teams/{team}/strategy"),
                &[
                    ("csrf_token", csrf.as_str()),
                    ("strategy", strategy),
                    ("shares", shares),
                ],
            )
            .await
    }
    let all_to_milo = format!("{}:100", m1.id);
    assert_eq!(
        share(&milo, team, "weighted", &all_to_milo).await.status(),
        StatusCode::NOT_FOUND
    );
    let typed = format!("{}:60, {}:30", m1.id, m2.id);
    let short = share(&lena, team, "weighted", &typed).await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = short.text().await.unwrap();
    assert!(body.contains("The shares add up to 90 %; they must add up to 100 %."));
    assert!(body.contains(&format!("value=\"{typed}\"")), "what was typed is kept");
    assert_eq!(
        share(&lena, team, "weighted", &all_to_milo).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, page) = lena.page(&format!("/network/teams/{team}")).await;
    assert!(page.contains("shared by percent: Milo One 100 %"), "{page}");
    let receiver_of = |id: i64| {
        app.db
            .read_blocking(move |c| Ok(model::referral(c, id)?.expect("referral").receiver_id))
            .unwrap()
    };
    for (last, phone) in [("Fry", "305-555-0114"), ("Gale", "305-555-0115")] {
        let id = refer(&rex, &target, last, phone, ("split_percent", "10")).await;
        assert_eq!(receiver_of(id), Some(m1.id), "weighted: every one to the only share");
    }
    // Least busy: Milo holds three open referrals now, the others one each; the tie goes to the
    // lower id.
    assert_eq!(
        share(&lena, team, "least_busy", "").await.status(),
        StatusCode::SEE_OTHER
    );
    let id = refer(&rex, &target, "Hale", "305-555-0116", ("split_percent", "10")).await;
    assert_eq!(receiver_of(id), Some(leader.id.min(m2.id)));
    assert!(app.audit_actions().contains(&"network.team_strategy_saved".to_string()));
    assert_eq!(
        share(&lena, team, "round_robin", "").await.status(),
        StatusCode::SEE_OTHER
    );

    // Milo and Mara earn referral fees last month through Bea's policies: $100.00 and $33.30.
    let bea_client = signed_in(&app, &bea).await;
    for (who, last, phone, fee, number) in [
        (&milo, "Dunn", "305-555-0121", "100", "GC-1"),
        (&signed_in(&app, &m2).await, "Eads", "305-555-0122", "33.30", "GC-2"),
    ] {
        let id = refer(who, &format!("broker:{}", bea.id), last, phone, ("fee", fee)).await;
        accept(&bea_client, id).await;
        // Accepting made Bea an agent profile to write the policy with.
        record_policy(&app, id, app.agent_id(&bea), (carrier, life), number);
    }
    let period = last_month();
    let referral_sum = |id: i64| {
        ledger_sum(
            &app,
            &format!("payee_kind = 'broker' AND payee_id = {id} AND role = 'referral' AND period = '{period}'"),
        )
    };
    assert_eq!((referral_sum(m1.id), referral_sum(m2.id)), (10_000, 3_330));

    // The leader pools 10 %, shared equally: $10.00 + $3.33 = $13.33 among three, to the cent.
    let csrf = lena.csrf().await;
    let r = lena
        .post_form(
            &format!("/network/teams/{team}/pool"),
            &[("csrf_token", csrf.as_str()), ("percent", "10"), ("rule", "equal")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let month = period.format("%Y-%m").to_string();
    async fn distribute(client: &TestApp, team: i64, month: &str) -> Response {
        let csrf = client.csrf().await;
        client
            .post_form(
                &format!("/network/teams/{team}/distribute"),
                &[("csrf_token", csrf.as_str()), ("month", month)],
            )
            .await
    }
    assert_eq!(distribute(&milo, team, &month).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(distribute(&lena, team, &month).await.status(), StatusCode::SEE_OTHER);
    let pool = "role = 'pool'";
    assert_eq!(ledger_sum(&app, pool), 0, "what members give is what they receive");
    assert_eq!(ledger_sum(&app, &format!("{pool} AND amount_cents > 0")), 1_333);
    let shares: Vec<i64> = members
        .iter()
        .map(|id| ledger_sum(&app, &format!("{pool} AND amount_cents > 0 AND payee_id = {id}")))
        .collect();
    assert_eq!(shares.iter().sum::<i64>(), 1_333);
    assert!(shares.iter().all(|s| *s == 444 || *s == 445), "{shares:?}");
    assert_eq!(
        ledger_sum(&app, &format!("{pool} AND payee_id = {}", m1.id)),
        shares[members.iter().position(|x| *x == m1.id).unwrap()] - 1_000
    );
    // Once a month only.
    let again = distribute(&lena, team, &month).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("distributed already"));
    assert!(app
        .audit_actions()
        .contains(&"network.team_pool_distributed".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_is_asked_answered_and_ended_through_the_pages() {
    let app = spawn_with(|s| s.run_worker = false).await;
    app.login_as(Role::Broker).await;
    let other = app.create_user(Role::Broker, "Olga Other");
    let third = app.create_user(Role::Broker, "Theo Third");
    let invite = |to: String, kind: &'static str| {
        let app = &app;
        async move {
            let csrf = app.csrf().await;
            app.post_form(
                "/network/connections",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("to", to.as_str()),
                    ("kind", kind),
                    ("message", "Happy to work together"),
                ],
            )
            .await
        }
    };
    // By e-mail; a kind that does not exist and an unknown address are refused with their field.
    let r = invite(other.email.clone(), "friendship").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = invite("nobody@example.com".into(), "mentorship").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("network_connections"), 0);
    let r = invite(other.email.clone(), "mentorship").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = app
        .first_value("SELECT CAST(id AS TEXT) AS v FROM network_connections")
        .unwrap()
        .parse()
        .unwrap();
    async fn act(client: &TestApp, path: &str) -> StatusCode {
        let csrf = client.csrf().await;
        client.post_form(path, &[("csrf_token", csrf.as_str())]).await.status()
    }
    // Only the member asked may accept: the asker is told so, a third member gets 404.
    assert_eq!(
        act(&app, &format!("/network/connections/{id}/accept")).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let theo = signed_in(&app, &third).await;
    assert_eq!(
        act(&theo, &format!("/network/connections/{id}/accept")).await,
        StatusCode::NOT_FOUND
    );
    let olga = signed_in(&app, &other).await;
    let (_, page) = olga.page("/network/connections").await;
    assert!(page.contains("Happy to work together"));
    assert_eq!(
        act(&olga, &format!("/network/connections/{id}/accept")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("network_links"), 2, "one active connection, both ways");
    let (_, page) = app.page("/network/connections").await;
    assert!(page.contains("Olga Other"));
    // Either side ends it; the history is kept and the link is gone.
    assert_eq!(
        act(&theo, &format!("/network/connections/{id}/deactivate")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        act(&olga, &format!("/network/connections/{id}/deactivate")).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("network_links"), 0);
    assert_eq!(
        app.count(&format!("network_connection_events WHERE connection_id = {id}")),
        3,
        "requested, accepted, deactivated"
    );
    assert_eq!(app.count("network_connections WHERE status = 'inactive'"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_not_call_after_the_referral_stops_the_hand_off() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let a = app.login_as(Role::Broker).await;
    let b = app.create_user(Role::Broker, "Bea Receiver");
    connect(&app, a.id, b.id);
    let id = refer(
        &app,
        &format!("broker:{}", b.id),
        "Nocall",
        "305-555-0131",
        ("fee", "50"),
    )
    .await;
    let lead: i64 = app
        .db
        .read_blocking(move |c| {
            Ok(model::referral(c, id)?
                .expect("referral")
                .source_lead_id
                .expect("its lead"))
        })
        .unwrap();
    // The person tells the agency not to call them any more.
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let csrf = boss.csrf().await;
    let r = boss
        .post_form(
            &format!("/leads/{lead}/consent-revocation"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The receiver no longer sees them, and accepting stops the referral instead.
    let bea = signed_in(&app, &b).await;
    let (status, page) = bea.page(&format!("/network/referrals/{id}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Nocall") && !page.contains("305-555-0131"), "{page}");
    let csrf = bea.csrf().await;
    let r = bea
        .post_form(
            &format!("/network/referrals/{id}/accept"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.first_value(&format!("SELECT status AS v FROM referrals WHERE id = {id}")),
        Some("stopped".into())
    );
    assert_eq!(
        app.count(&format!("leads WHERE id = {lead} AND assigned_agent_id IS NOT NULL AND assigned_agent_id IN (SELECT id FROM agents WHERE user_id = {})", b.id)),
        0,
        "the lead did not go to the receiver"
    );
    assert!(app.audit_actions().contains(&"network.referral_stopped".to_string()));
}
