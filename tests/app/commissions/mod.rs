//! Tests for issue 16: commissions. The ledger computed from schedules, splits and the hierarchy,
//! chargebacks, the CMS cap, the licence hold and the pages.

mod payouts;
mod statements;

use agency_engine::auth::roles::{Actor, Role};
use agency_engine::commissions::{engine, jobs, service};
use agency_engine::domain::money::format_cents;
use chrono::{Datelike, Duration, Months, NaiveDate};
use reqwest::StatusCode;

use crate::harness::{spawn_app, spawn_with, TestApp, TestUser};
use crate::policies::{catalogue, input, licensed_agent, record};

fn today() -> NaiveDate {
    agency_engine::db::now().date()
}

fn this_month() -> NaiveDate {
    engine::month_of(today())
}

fn exec(app: &TestApp, sql: String) {
    app.db
        .write_blocking(move |c| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(sql), c)?))
        .expect("fixture statement");
}

fn owner() -> Actor {
    Actor {
        id: 0,
        role: Role::Owner,
    }
}

fn who() -> agency_engine::audit::AuditActor {
    agency_engine::audit::AuditActor::system("test")
}

/// `SUM(amount_cents)` of the entries matching `filter`.
fn ledger(app: &TestApp, filter: &str) -> i64 {
    app.first_value(&format!(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS TEXT) AS v FROM commission_entries WHERE {filter}"
    ))
    .unwrap()
    .parse()
    .unwrap()
}

/// A schedule for `product`: `first` is a percent ("20") or dollars ("900.00") by `basis`.
fn schedule(app: &TestApp, product: i64, basis: &str, first: &str) -> i64 {
    let i = service::ScheduleInput {
        product_id: Some(product),
        effective_from: "2000-01-01".into(),
        basis: basis.into(),
        first_year: first.into(),
        pay_mode: "as_earned".into(),
        ..Default::default()
    };
    app.db
        .write_blocking(move |c| service::create_schedule(c, owner(), &who(), &i))
        .expect("schedule")
}

/// An app whose worker stays off: the tests compute months themselves with [`compute`], and a
/// worker picking up the same queued run first would leave them nothing to count.
async fn without_worker() -> TestApp {
    spawn_with(|s| s.run_worker = false).await
}

/// Computes the month starting `period` (a run row and its batches, as the job does).
fn compute(app: &TestApp, period: NaiveDate) -> usize {
    let run = app
        .db
        .write_blocking(move |c| jobs::queue(c, period, None))
        .expect("run queued");
    jobs::run_all(&app.db, run, &Default::default()).expect("run")
}

/// An active monthly $100.00 policy effective on the first of last month: two instalments fall
/// due by the end of this month.
fn active_policy(app: &TestApp, agent: i64, carrier: i64, product: i64, number: &str, state: &str) -> i64 {
    let effective = this_month() - Months::new(1);
    let mut i = input(agent, carrier, product, number, state);
    i.submitted_on = (effective - Duration::days(5)).to_string();
    i.effective_on = effective.to_string();
    i.plan_year = "2026".into();
    let id = record(app, i);
    exec(app, format!("UPDATE policies SET status = 'active' WHERE id = {id}"));
    id
}

async fn signed_in(app: &TestApp, user: &TestUser) -> TestApp {
    let b = app.new_client();
    b.login(&user.email, &user.password).await;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_is_computed_once_split_to_the_cent_and_charged_back_when_the_policy_is_cancelled() {
    let app = without_worker().await;
    let (carrier, _ma, life) = catalogue(&app, "Acme Life");
    let (writer, agent) = licensed_agent(&app, "Wanda Writer", &["FL"]);
    let (sharer, agent2) = licensed_agent(&app, "Sam Sharer", &["FL"]);
    let id = active_policy(&app, agent, carrier, life, "AL-1", "FL");
    schedule(&app, life, "percent", "20");
    let rows = vec![
        service::ShareInput {
            payee: format!("agent:{agent}"),
            role: "writing".into(),
            percent: "33.33".into(),
        },
        service::ShareInput {
            payee: format!("agent:{agent2}"),
            role: "split".into(),
            percent: "66.67".into(),
        },
    ];
    let split = service::SplitInput {
        rows,
        remainder: 0,
        effective_from: (this_month() - Months::new(1)).to_string(),
        note: "shared sale".into(),
    };
    app.db
        .write_blocking(move |c| service::save_split(c, owner(), &who(), id, &split))
        .expect("split");

    // 20 % of two $100.00 instalments: $40.00, each $20.00 split 667 / 1,333 (the cent to the writer).
    assert!(compute(&app, this_month()) > 0);
    assert_eq!(ledger(&app, &format!("policy_id = {id}")), 4_000);
    assert_eq!(
        ledger(&app, &format!("payee_id = {agent} AND payee_kind = 'agent'")),
        1_334
    );
    assert_eq!(
        ledger(&app, &format!("payee_id = {agent2} AND payee_kind = 'agent'")),
        2_666
    );
    assert_eq!(app.count("commission_entries WHERE amount_cents <= 0"), 0);

    // The same month again books nothing, nor does an earlier month computed after it.
    assert_eq!(compute(&app, this_month()), 0);
    assert_eq!(compute(&app, this_month() - Months::new(1)), 0);
    assert_eq!(ledger(&app, &format!("policy_id = {id}")), 4_000);

    // Cancelled half-way through the second instalment: its unearned part is charged back, as
    // negative entries only.
    let cancelled = this_month() + Duration::days(14);
    exec(
        &app,
        format!("UPDATE policies SET status = 'cancelled', cancelled_on = '{cancelled}' WHERE id = {id}"),
    );
    compute(&app, this_month());
    let days = (this_month().checked_add_months(Months::new(1)).unwrap() - this_month()).num_days();
    let earned_second = 2_000 * 14 / days;
    assert_eq!(ledger(&app, &format!("policy_id = {id}")), 2_000 + earned_second);
    assert!(app.count("commission_entries WHERE kind = 'chargeback'") >= 2);
    assert_eq!(
        app.count("commission_entries WHERE kind = 'chargeback' AND amount_cents >= 0"),
        0
    );

    // The ledger refuses an edit.
    let refused = app.db.write_blocking(|c| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE commission_entries SET amount_cents = 1"),
            c,
        )?)
    });
    assert!(refused.is_err(), "commission_entries is append-only");

    // Each agent sees their own amounts and not the other's; another agent gets 404.
    let me = signed_in(&app, &writer).await;
    let (status, page) = me.page("/commissions").await;
    assert_eq!(status, 200);
    assert!(page.contains("AL-1") && page.contains("Chargeback"), "{page}");
    let (status, page) = me.page(&format!("/policies/{id}/commission")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Sam Sharer"),
        "the split agent's amounts are not the writer's to see"
    );
    let other = signed_in(&app, &sharer).await;
    assert_eq!(
        other.get(&format!("/policies/{id}/commission")).await.status(),
        StatusCode::NOT_FOUND
    );
    let stranger = app.new_client();
    stranger.login_as(Role::Agent).await;
    assert_eq!(
        stranger.get(&format!("/policies/{id}/commission")).await.status(),
        StatusCode::NOT_FOUND
    );

    // The owner's overview adds it up by carrier.
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let (status, page) = boss.page("/admin/commissions").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Acme Life") && page.contains(&format_cents(2_000 + earned_second)),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_over_three_levels_add_up_and_an_upline_below_its_agent_is_refused() {
    let app = without_worker().await;
    let (carrier, _ma, life) = catalogue(&app, "Level Life");
    let (_, agent) = licensed_agent(&app, "Ann Agent", &["FL"]);
    let (_, manager) = licensed_agent(&app, "Max Manager", &["FL"]);
    let (_, director) = licensed_agent(&app, "Dora Director", &["FL"]);
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let from = "2000-01-01";
    for (name, share) in [("Agent", "70"), ("Manager", "85"), ("Director", "95")] {
        let r = boss
            .post_form(
                "/admin/commissions/levels",
                &[("name", name), ("share", share), ("effective_from", from)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name}");
    }
    let level = |name: &str| -> i64 {
        app.first_value(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM commission_levels WHERE name = '{name}'"
        ))
        .unwrap()
        .parse()
        .unwrap()
    };
    let place = |who: i64, lvl: i64, up: Option<i64>| {
        (
            who.to_string(),
            lvl.to_string(),
            up.map(|u| u.to_string()).unwrap_or_default(),
        )
    };
    for (who, lvl, up) in [
        place(director, level("Director"), None),
        place(manager, level("Manager"), Some(director)),
        place(agent, level("Agent"), Some(manager)),
    ] {
        let r = boss
            .post_form(
                "/admin/commissions/placements",
                &[
                    ("agent_id", &who),
                    ("level_id", &lvl),
                    ("upline_agent_id", &up),
                    ("effective_from", from),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    // A director under the agent would be a loop; an agent-level upline over a manager is below it.
    let r = boss
        .post_form(
            "/admin/commissions/placements",
            &[
                ("agent_id", &director.to_string()),
                ("level_id", &level("Director").to_string()),
                ("upline_agent_id", &agent.to_string()),
                ("effective_from", from),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("loop"));
    let lone = licensed_agent(&app, "Lou Lone", &["FL"]).1;
    let r = boss
        .post_form(
            "/admin/commissions/placements",
            &[
                ("agent_id", &manager.to_string()),
                ("level_id", &level("Manager").to_string()),
                ("upline_agent_id", &lone.to_string()),
                ("effective_from", from),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "an upline with no level takes 100 %: allowed"
    );
    let r = boss
        .post_form(
            "/admin/commissions/placements",
            &[
                ("agent_id", &lone.to_string()),
                ("level_id", &level("Agent").to_string()),
                ("effective_from", from),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Lou at 70 % over a manager at 85 %"
    );
    assert!(r.text().await.unwrap().contains("negative"));
    // Put the manager back under the director before computing.
    let r = boss
        .post_form(
            "/admin/commissions/placements",
            &[
                ("agent_id", &manager.to_string()),
                ("level_id", &level("Manager").to_string()),
                ("upline_agent_id", &director.to_string()),
                ("effective_from", from),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let id = active_policy(&app, agent, carrier, life, "LL-1", "FL");
    schedule(&app, life, "percent", "10");
    compute(&app, this_month());
    // $20.00 gross: agent 70 %, manager 15 %, director 10 %, the agency 5 %.
    let of = |kind: &str, payee: i64, role: &str| {
        ledger(
            &app,
            &format!("policy_id = {id} AND payee_kind = '{kind}' AND payee_id = {payee} AND role = '{role}'"),
        )
    };
    assert_eq!(of("agent", agent, "writing"), 1_400);
    assert_eq!(of("agent", manager, "override"), 300);
    assert_eq!(of("agent", director, "override"), 200);
    assert_eq!(of("agency", 0, "house"), 100);
    assert_eq!(ledger(&app, &format!("policy_id = {id}")), 2_000);
    let (status, page) = boss.page("/admin/commissions/hierarchy").await;
    assert_eq!(status, 200);
    assert!(page.contains("Max Manager") && page.contains("85 %"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_medicare_commission_never_passes_the_cms_limit_of_its_enrollment_type() {
    let app = without_worker().await;
    let (carrier, ma, _life) = catalogue(&app, "Sun Health");
    let (_, agent) = licensed_agent(&app, "Mia Medicare", &["FL"]);
    schedule(&app, ma, "flat", "900.00");
    let mut ids = Vec::new();
    for (number, kind) in [
        ("SH-NEW", "new_to_medicare"),
        ("SH-LIKE", "like_for_like"),
        ("SH-UNLIKE", "unlike"),
    ] {
        let effective = this_month() - Months::new(1);
        let mut i = input(agent, carrier, ma, number, "FL");
        i.submitted_on = (effective - Duration::days(5)).to_string();
        i.effective_on = effective.to_string();
        i.billing_frequency = "annual".into();
        i.plan_year = "2026".into();
        i.enrollment_type = kind.into();
        let id = record(&app, i);
        exec(&app, format!("UPDATE policies SET status = 'active' WHERE id = {id}"));
        ids.push(id);
    }
    compute(&app, this_month());
    // 2026: $694 initial, $347 renewal (like for like), nationally (Florida has no own figure).
    assert_eq!(ledger(&app, &format!("policy_id = {}", ids[0])), 69_400);
    assert_eq!(ledger(&app, &format!("policy_id = {}", ids[1])), 34_700);
    assert_eq!(ledger(&app, &format!("policy_id = {}", ids[2])), 69_400);

    // The owner changes a figure, with its source; an admin may not.
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    let (status, page) = admin.page("/admin/commissions/limits").await;
    assert_eq!(status, 200);
    assert!(page.contains("$694.00") && page.contains("42 CFR 422.2274"));
    let limit_id = app
        .first_value("SELECT CAST(id AS TEXT) AS v FROM cms_limits WHERE year = 2026 AND product = 'medicare_advantage' AND region = 'CA'")
        .unwrap();
    let form = [
        ("year", "2026"),
        ("product", "medicare_advantage"),
        ("region", "CA"),
        ("initial", "870.00"),
        ("renewal", "435.00"),
        ("source", "CMS memo, corrected"),
    ];
    let path = format!("/admin/commissions/limits/{limit_id}");
    assert_eq!(admin.post_form(&path, &form).await.status(), StatusCode::FORBIDDEN);
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let mut bad = form;
    bad[4] = ("renewal", "900.00");
    let r = boss.post_form(&path, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("at most the initial amount"));
    assert_eq!(boss.post_form(&path, &form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("cms_limits WHERE region = 'CA' AND initial_cents = 87000"), 1);
    assert!(app.audit_actions().contains(&"commission.cms_limit_saved".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commission_for_an_unlicensed_sale_is_held_until_the_owner_releases_it() {
    let app = without_worker().await;
    let (carrier, _ma, life) = catalogue(&app, "Hold Life");
    let (writer, agent) = licensed_agent(&app, "Gus Georgia", &["GA"]);
    let id = active_policy(&app, agent, carrier, life, "HL-1", "FL");
    schedule(&app, life, "percent", "20");
    compute(&app, this_month());
    assert_eq!(
        app.count(&format!(
            "commission_holds WHERE policy_id = {id} AND agent_id = {agent} AND released_at IS NULL"
        )),
        1
    );
    // Once, however often the month is computed.
    compute(&app, this_month());
    assert_eq!(app.count("commission_holds"), 1);

    let me = signed_in(&app, &writer).await;
    let (_, page) = me.page("/commissions").await;
    assert!(page.contains("On hold"), "{page}");

    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let (status, page) = boss.page("/admin/commissions/holds").await;
    assert_eq!(status, 200);
    assert!(page.contains("HL-1") && page.contains("Gus Georgia"), "{page}");
    let reason = app.first_value("SELECT reason AS v FROM commission_holds").unwrap();
    assert!(reason.contains("licen"), "the reason says what is missing: {reason}");
    let hold: i64 = app
        .first_value("SELECT CAST(id AS TEXT) AS v FROM commission_holds")
        .unwrap()
        .parse()
        .unwrap();
    let path = format!("/admin/commissions/holds/{hold}/release");
    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    assert_eq!(
        admin.post_form(&path, &[("reason", "x")]).await.status(),
        StatusCode::FORBIDDEN,
        "only the owner releases"
    );
    let r = boss.post_form(&path, &[("reason", " ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = boss
        .post_form(
            &path,
            &[("reason", "Licence in FL found, issued before the effective date")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("commission_holds WHERE released_at IS NOT NULL"), 1);
    assert!(app.audit_actions().contains(&"commission.hold_released".to_string()));
    let (_, page) = me.page("/commissions").await;
    assert!(!page.contains("On hold"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_and_split_forms_refuse_bad_input_with_field_messages_and_keep_it() {
    let app = spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Form Life");
    let (_, agent) = licensed_agent(&app, "Fay Form", &["FL"]);
    let id = active_policy(&app, agent, carrier, life, "FL-1", "FL");
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let (status, _) = boss.page("/admin/commissions/schedules").await;
    assert_eq!(status, 200);
    let r = boss
        .post_form(
            "/admin/commissions/schedules",
            &[
                ("product_id", &life.to_string()),
                ("basis", "percent"),
                ("first_year", "120"),
                ("renewal", "1: 5"),
                ("pay_mode", "advance"),
                ("advance_months", "x"),
                ("effective_from", "2026-13-01"),
                ("note", "Carrier contract 2026"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for msg in ["at most 100", "policy year 2", "months advanced", "is not a date"] {
        assert!(html.contains(msg), "{msg}: {html}");
    }
    assert!(html.contains("Carrier contract 2026"), "what was typed is kept");
    assert_eq!(app.count("commission_schedules"), 0);
    let r = boss
        .post_form(
            "/admin/commissions/schedules",
            &[
                ("product_id", &life.to_string()),
                ("basis", "percent"),
                ("first_year", "12.5"),
                ("renewal", "2: 5, 6: 2"),
                ("pay_mode", "advance"),
                ("advance_months", "9"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = boss.page(r.headers()["location"].to_str().unwrap()).await;
    assert!(page.contains("12.5 %") && page.contains("9 months advanced"), "{page}");

    let path = format!("/policies/{id}/commission/splits");
    let from = today().max(this_month()).to_string();
    let r = boss
        .post_form(
            &path,
            &[
                ("payee_0", &format!("agent:{agent}")),
                ("role_0", "writing"),
                ("percent_0", "60"),
                ("payee_1", &format!("agent:{agent}")),
                ("role_1", "split"),
                ("percent_1", "50"),
                ("remainder", "0"),
                ("effective_from", &from),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("appears twice"));
    let (_, other) = licensed_agent(&app, "Olly Other", &["FL"]);
    let r = boss
        .post_form(
            &path,
            &[
                ("payee_0", &format!("agent:{agent}")),
                ("role_0", "writing"),
                ("percent_0", "60"),
                ("payee_1", &format!("agent:{other}")),
                ("role_1", "split"),
                ("percent_1", "50"),
                ("remainder", "0"),
                ("effective_from", &from),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("more than the whole commission"), "{html}");
    assert!(html.contains("value=\"50\""), "the shares typed are kept");
    assert_eq!(app.count("commission_splits"), 0);
    let r = boss
        .post_form(
            &path,
            &[
                ("payee_0", &format!("agent:{agent}")),
                ("role_0", "writing"),
                ("percent_0", "60"),
                ("payee_1", &format!("agent:{other}")),
                ("role_1", "split"),
                ("percent_1", "40"),
                ("remainder", "1"),
                ("effective_from", &from),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("commission_split_shares"), 2);

    // A manual adjustment needs a reason and is a new entry.
    let path = format!("/policies/{id}/commission/adjustments");
    let month = format!("{:04}-{:02}", today().year(), today().month());
    let r = boss
        .post_form(
            &path,
            &[
                ("payee", &format!("agent:{agent}")),
                ("amount", "-12.50"),
                ("period", &month),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = boss
        .post_form(
            &path,
            &[
                ("payee", &format!("agent:{agent}")),
                ("amount", "-12.50"),
                ("period", &month),
                ("note", "Carrier fee passed on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(ledger(&app, "kind = 'adjustment' AND source = 'manual'"), -1_250);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_schedules_a_hierarchy_a_ledger_statements_and_carrier_statements() {
    let app = crate::harness::spawn_demo_with(|_| {}).await;
    assert!(app.count("commission_schedules") > 5);
    assert_eq!(app.count("commission_levels"), 3);
    assert!(app.count("agent_hierarchy") > 3);
    assert_eq!(app.count("commission_splits"), 5);
    assert!(app.count("commission_entries WHERE kind = 'expected'") > 100);
    assert_eq!(
        app.count("commission_entries WHERE kind = 'chargeback' AND amount_cents >= 0"),
        0
    );
    assert!(app.count("payee_statements") > 0 && app.count("payee_statements WHERE status = 'paid'") > 0);
    // One carrier statement finalised, one open with each kind of exception.
    assert_eq!(app.count("carrier_statements WHERE status = 'finalised'"), 1);
    assert_eq!(app.count("carrier_statements WHERE status <> 'finalised'"), 1);
    for kind in ["unmatched", "not_paid", "short_paid", "other_agent"] {
        assert!(
            app.count(&format!("carrier_statement_lines WHERE exception = '{kind}'")) > 0,
            "{kind}"
        );
    }
    let boss = app.new_client();
    boss.login("owner@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
        .await;
    for page in [
        "/admin/commissions",
        "/admin/commissions/payees",
        "/admin/commissions/statements",
        "/admin/commissions/holds",
    ] {
        assert_eq!(boss.page(page).await.0, 200, "{page}");
    }
}
