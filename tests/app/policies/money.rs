//! Policies: endorsements, payments and renewals.

use agency_engine::auth::roles::Role;
use agency_engine::domain::policy::{PolicyStatus, RenewalStatus};
use agency_engine::policies::lifecycle::{self, Facts, Move};
use agency_engine::policies::renewals;
use chrono::{Duration, Months, NaiveDate};
use reqwest::StatusCode;

use super::*;
use crate::harness::TestApp;

fn today() -> NaiveDate {
    agency_engine::db::now().date()
}

/// Runs one statement the fixtures need (moving a policy straight to Active, back-dating).
fn exec(app: &TestApp, sql: String) {
    app.db
        .write_blocking(move |c| Ok(diesel::RunQueryDsl::execute(diesel::sql_query(sql), c)?))
        .expect("fixture statement");
}

/// An active policy of a new licensed agent: (agent's user, policy id).
fn active_policy(app: &TestApp, agent_name: &str, number: &str, f: impl FnOnce(&mut PolicyInput)) -> (TestUser, i64) {
    let (carrier, _ma, life) = catalogue(app, &format!("{number} Life"));
    let (user, agent) = licensed_agent(app, agent_name, &["FL"]);
    let mut i = input(agent, carrier, life, number, "FL");
    f(&mut i);
    let id = record(app, i);
    exec(app, format!("UPDATE policies SET status = 'active' WHERE id = {id}"));
    (user, id)
}

/// `SUM(expr)` over `from` (a table and its conditions).
fn sum(app: &TestApp, expr: &str, from: &str) -> i64 {
    app.first_value(&format!(
        "SELECT CAST(COALESCE(SUM({expr}), 0) AS TEXT) AS v FROM {from}"
    ))
    .unwrap()
    .parse()
    .unwrap()
}

fn scheduled(app: &TestApp, id: i64) -> i64 {
    sum(
        app,
        "amount_cents",
        &format!("policy_instalments WHERE policy_id = {id}"),
    )
}

async fn signed_in(app: &TestApp, user: &TestUser) -> TestApp {
    let b = app.new_client();
    b.login(&user.email, &user.password).await;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endorsement_keeps_before_and_after_and_the_policy_shows_current_values() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = active_policy(&app, "Ella Endorse", "EN-1", |_| {});
    let me = signed_in(&app, &writer).await;
    let on = today().to_string();
    let r = me
        .post_form(
            &format!("/policies/{id}/endorsements"),
            &[
                ("kind", "lives"),
                ("effective_on", &on),
                ("lives", "3"),
                ("description", "Two children added"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = me
        .post_form(
            &format!("/policies/{id}/endorsements"),
            &[
                ("kind", "address"),
                ("effective_on", &on),
                ("street", "9 Palm Way"),
                ("city", "Tampa"),
                ("state", "fl"),
                ("zip", "33602"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "policy_endorsements WHERE policy_id = {id} AND kind = 'lives' AND before_value = '1' AND after_value = '3'"
        )),
        1
    );
    assert_eq!(
        app.first_value(&format!(
            "SELECT after_value AS v FROM policy_endorsements WHERE policy_id = {id} AND kind = 'address'"
        ))
        .as_deref(),
        Some("9 Palm Way, Tampa, FL 33602")
    );
    assert_eq!(
        app.count(&format!("policy_events WHERE policy_id = {id} AND kind = 'endorsed'")),
        2
    );
    assert!(app.audit_actions().contains(&"policy.endorsed".to_string()));

    let (status, html) = me.page(&format!("/policies/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<dt>Lives</dt><dd>3</dd>"), "current lives shown: {html}");
    assert!(html.contains("9 Palm Way, Tampa, FL 33602"), "current address shown");
    assert!(html.contains("Two children added"), "history shown");

    // The same value again, a date outside the term, a bad number: 422 with what was typed.
    let r = me
        .post_form(
            &format!("/policies/{id}/endorsements"),
            &[("kind", "lives"), ("effective_on", "1999-01-01"), ("lives", "many")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"many\""), "what was typed is kept");
    assert!(html.contains("within the policy"), "{html}");
    assert_eq!(app.count(&format!("policy_endorsements WHERE policy_id = {id}")), 2);

    // The history cannot be rewritten.
    let refused = app.db.write_blocking(move |c| {
        Ok(diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE policy_endorsements SET after_value = '9' WHERE policy_id = {id}"
            )),
            c,
        )?)
    });
    assert!(refused.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_and_totals_are_exact_for_each_frequency_with_a_premium_change_mid_term() {
    let app = crate::harness::spawn_app().await;
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    // (frequency, instalments, re-priced by a change six months in)
    let cases = [
        ("monthly", 12, 6),
        ("quarterly", 4, 2),
        ("semi_annual", 2, 1),
        ("annual", 1, 0),
    ];
    let mut expected_paid = 0;
    let mut expected_outstanding = 0;
    for (n, (freq, count, repriced)) in cases.into_iter().enumerate() {
        let (writer, id) = active_policy(&app, &format!("Freq Agent {n}"), &format!("FQ-{n}"), |i| {
            i.billing_frequency = freq.into();
        });
        assert_eq!(
            app.count(&format!("policy_instalments WHERE policy_id = {id}")),
            count,
            "{freq}"
        );
        assert_eq!(scheduled(&app, id), 10_000 * count, "{freq}");
        let me = signed_in(&app, &writer).await;

        // The first instalment is paid.
        let on = today().to_string();
        let r = me
            .post_form(
                &format!("/policies/{id}/payments"),
                &[
                    ("amount", "100.00"),
                    ("paid_on", &on),
                    ("method", "card"),
                    ("reference", "AUTH-1"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{freq}");

        // The premium goes to $120.00 six months into the term.
        let effective: NaiveDate = app
            .first_value(&format!(
                "SELECT CAST(effective_on AS TEXT) AS v FROM policies WHERE id = {id}"
            ))
            .unwrap()
            .parse()
            .unwrap();
        let mid = effective.checked_add_months(Months::new(6)).unwrap().to_string();
        let r = me
            .post_form(
                &format!("/policies/{id}/endorsements"),
                &[("kind", "premium"), ("effective_on", &mid), ("premium", "120.00")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{freq}");
        let total = 10_000 * (count - repriced) + 12_000 * repriced;
        assert_eq!(scheduled(&app, id), total, "{freq}: the schedule adds up");
        assert_eq!(
            app.first_value(&format!(
                "SELECT CAST(premium_delta_cents AS TEXT) AS v FROM policy_endorsements WHERE policy_id = {id}"
            ))
            .as_deref(),
            Some((2_000 * repriced).to_string().as_str()),
            "{freq}"
        );
        assert_eq!(
            sum(
                &app,
                "paid_cents",
                &format!("policy_instalments WHERE policy_id = {id}")
            ),
            10_000
        );
        let allocated = sum(
            &app,
            "a.amount_cents",
            &format!(
                "policy_payment_allocations a JOIN policy_payments p ON p.id = a.payment_id WHERE p.policy_id = {id}"
            ),
        );
        assert_eq!(allocated, 10_000, "{freq}: allocations add up to the payment");

        let (_, html) = me.page(&format!("/policies/{id}")).await;
        let money = |c: i64| agency_engine::domain::money::format_cents(c);
        assert!(
            html.contains(&format!("<dt>Scheduled this term</dt><dd>{}</dd>", money(total))),
            "{freq}: {html}"
        );
        assert!(
            html.contains(&format!("<dt>Paid</dt><dd>{}</dd>", money(10_000))),
            "{freq}"
        );
        assert!(
            html.contains(&format!("<dt>Outstanding</dt><dd>{}", money(total - 10_000))),
            "{freq}"
        );
        assert!(html.contains("$120.00"), "{freq}: the current premium");
        expected_paid += 10_000;
        expected_outstanding += total - 10_000;

        // The agent's own payments page shows their line only.
        let (status, html) = me.page("/policies/payments").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("Freq Agent {n}")));
        if n > 0 {
            assert!(!html.contains("Freq Agent 0"), "an agent sees only their own totals");
        }
    }
    // The owner sees every agent, and the total row is the sum of the rows.
    let (status, html) = owner.page("/policies/payments").await;
    assert_eq!(status, 200);
    for n in 0..4 {
        assert!(html.contains(&format!("Freq Agent {n}")));
    }
    let money = agency_engine::domain::money::format_cents;
    let foot = html.split("<tfoot>").nth(1).expect("a total row");
    assert!(foot.contains(&money(expected_paid)), "{foot}");
    assert!(foot.contains(&money(expected_outstanding)), "{foot}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_instalment_past_its_due_date_is_flagged_overdue() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = active_policy(&app, "Otto Overdue", "OD-1", |i| {
        i.submitted_on = (today() - Duration::days(50)).to_string();
        i.effective_on = (today() - Duration::days(40)).to_string();
    });
    let me = signed_in(&app, &writer).await;
    let on = today().to_string();
    let r = me
        .post_form(
            &format!("/policies/{id}/payments"),
            &[("amount", "100"), ("paid_on", &on), ("method", "check")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = me.page(&format!("/policies/{id}")).await;
    assert!(html.contains("$100.00 overdue (1 instalment)"), "{html}");
    assert_eq!(html.matches("badge badge-overdue\">Overdue").count(), 1);
    let (_, list) = me.page("/policies/payments").await;
    assert!(
        list.contains("<strong>$100.00</strong>"),
        "the agent's overdue total: {list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_payment_amounts_are_refused_with_422_and_nothing_is_written() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = active_policy(&app, "Bea Bounds", "BA-1", |i| i.billing_frequency = "annual".into());
    let me = signed_in(&app, &writer).await;
    let on = today().to_string();
    for amount in ["0", "-5", "abc", "1.234", "100.01", ""] {
        let r = me
            .post_form(
                &format!("/policies/{id}/payments"),
                &[("amount", amount), ("paid_on", &on), ("method", "cash")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "amount {amount:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("value=\"{amount}\"")), "what was typed is kept");
        if amount == "100.01" {
            assert!(html.contains("overpayments are not kept as credit"), "{html}");
        }
    }
    let tomorrow = (today() + Duration::days(1)).to_string();
    let r = me
        .post_form(
            &format!("/policies/{id}/payments"),
            &[("amount", "10"), ("paid_on", &tomorrow), ("method", "cash")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count(&format!("policy_payments WHERE policy_id = {id}")), 0);
    // The whole premium is fine; after it nothing more can be paid.
    let r = me
        .post_form(
            &format!("/policies/{id}/payments"),
            &[("amount", "100.00"), ("paid_on", &on), ("method", "cash")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = me
        .post_form(
            &format!("/policies/{id}/payments"),
            &[("amount", "0.01"), ("paid_on", &on), ("method", "cash")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count(&format!("policy_payments WHERE policy_id = {id}")), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_gets_404_on_another_agents_payment_and_renewal_endpoints() {
    let app = crate::harness::spawn_app().await;
    let (_writer, id) = active_policy(&app, "Pia Private", "PP-1", |_| {});
    let other = app.new_client();
    other.login_as(Role::Agent).await;
    let on = today().to_string();
    for (path, fields) in [
        (
            format!("/policies/{id}/payments"),
            vec![("amount", "10"), ("paid_on", on.as_str()), ("method", "cash")],
        ),
        (
            format!("/policies/{id}/endorsements"),
            vec![("kind", "lives"), ("lives", "2")],
        ),
        (format!("/policies/{id}/renewal/offer"), vec![("offer_premium", "1")]),
        (format!("/policies/{id}/renewal/decline"), vec![]),
        (format!("/policies/{id}/renewal/acceptance"), vec![]),
    ] {
        assert_eq!(
            other.post_form(&path, &fields).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(app.count("policy_payments"), 0);
    let (_, html) = other.page("/policies/payments").await;
    assert!(!html.contains("Pia Private"));
    assert!(html.contains("No payments yet"));
}

/// An active policy whose term ends in `days`.
fn ending_in(app: &TestApp, name: &str, number: &str, days: i64) -> (TestUser, i64) {
    let end = today() + Duration::days(days);
    active_policy(app, name, number, |i| {
        i.submitted_on = (end - Duration::days(380)).to_string();
        i.effective_on = (end - Duration::days(365)).to_string();
        i.term_end_on = end.to_string();
        i.billing_frequency = "quarterly".into();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_renewal_notice_is_sent_once_over_two_sweep_days() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = ending_in(&app, "Nora Notice", "RN-1", 30);
    let (_, later) = ending_in(&app, "Lou Later", "RN-2", 200);
    let emails = || app.count("jobs WHERE kind = 'email' AND payload LIKE '%Renewal due%'");
    let first = app
        .db
        .write_blocking(|c| renewals::renewal_notices(c, today(), "http://agency.test"))
        .unwrap();
    assert_eq!(first, 1);
    let second = app
        .db
        .write_blocking(|c| renewals::renewal_notices(c, today() + Duration::days(1), "http://agency.test"))
        .unwrap();
    assert_eq!(second, 0, "never twice");
    assert_eq!(
        app.count(&format!(
            "notifications WHERE user_id = {} AND kind = 'renewal_due'",
            writer.id
        )),
        1
    );
    assert_eq!(emails(), 1);
    assert_eq!(
        app.count(&format!("policy_renewals WHERE policy_id = {id} AND status = 'none'")),
        1
    );
    assert_eq!(app.count(&format!("policy_renewals WHERE policy_id = {later}")), 0);

    let me = signed_in(&app, &writer).await;
    let (status, html) = me.page("/policies/renewals").await;
    assert_eq!(status, 200);
    assert!(html.contains("RN-1") && !html.contains("RN-2"), "{html}");
    let (_, page) = me.page(&format!("/policies/{id}")).await;
    assert!(page.contains("Record the renewal offer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_creates_a_linked_new_term_with_its_own_schedule() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = ending_in(&app, "Rita Renew", "RR-1", 20);
    let me = signed_in(&app, &writer).await;
    // Renewed before an offer is refused.
    let r = me
        .post_form(
            &format!("/policies/{id}/renewal/acceptance"),
            &[("new_policy_number", "RR-2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let end = today() + Duration::days(20);
    let new_end = end.checked_add_months(Months::new(12)).unwrap();
    let r = me
        .post_form(
            &format!("/policies/{id}/renewal/offer"),
            &[("offer_premium", "110.00"), ("offer_term_end", &new_end.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The same number as the current term is refused: the carrier's numbers are unique.
    let r = me
        .post_form(
            &format!("/policies/{id}/renewal/acceptance"),
            &[("new_policy_number", "RR-1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = me
        .post_form(
            &format!("/policies/{id}/renewal/acceptance"),
            &[("new_policy_number", "RR-1-B")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let new_id: i64 = location.trim_start_matches("/policies/").parse().unwrap();
    assert_ne!(new_id, id);
    assert_eq!(
        app.count(&format!(
            "policies WHERE id = {new_id} AND renewal_of_id = {id} AND status = 'pending_payment' AND source = 'renewal' \
             AND premium_cents = 11000 AND policy_number = 'RR-1-B'"
        )),
        1
    );
    assert_eq!(
        app.first_value(&format!(
            "SELECT CAST(effective_on AS TEXT) AS v FROM policies WHERE id = {new_id}"
        )),
        Some(end.to_string())
    );
    assert_eq!(app.count(&format!("policy_instalments WHERE policy_id = {new_id}")), 4);
    assert_eq!(scheduled(&app, new_id), 44_000);
    assert_eq!(
        app.count(&format!(
            "policy_renewals WHERE policy_id = {id} AND status = 'renewed' AND renewed_policy_id = {new_id}"
        )),
        1
    );
    // The old term runs to its end (the daily run expires it then).
    assert_eq!(app.count(&format!("policies WHERE id = {id} AND status = 'active'")), 1);
    assert!(app.audit_actions().contains(&"policy.renewed".to_string()));
    let (_, html) = me.page(&format!("/policies/{new_id}")).await;
    assert!(
        html.contains(&format!("href=\"/policies/{id}\"")),
        "the new term links to the previous one"
    );
    let (_, old) = me.page(&format!("/policies/{id}")).await;
    assert!(old.contains(&format!("href=\"/policies/{new_id}\"")), "and back");
    // Once renewed, nothing more is recorded on the old term's renewal.
    let r = me.post_form(&format!("/policies/{id}/renewal/decline"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// The facts the daily run decides a policy's term end from (as the sweep gathers them).
fn facts_on(app: &TestApp, id: i64, day: NaiveDate) -> Facts {
    app.db
        .read_blocking(move |c| {
            let p = agency_engine::policies::model::find(c, id)?;
            let renewal = agency_engine::policies::model::renewal(c, id)?
                .map(|r| r.status)
                .unwrap_or(RenewalStatus::None);
            Ok(Facts {
                status: p.status,
                today: day,
                submitted_on: p.submitted_on,
                effective_on: p.effective_on,
                term_end_on: p.term_end_on,
                renewal,
                oldest_missed_due: None,
                grace_days: 30,
            })
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_renewal_ends_non_renewed_at_term_end() {
    let app = crate::harness::spawn_app().await;
    let (writer, id) = ending_in(&app, "Dee Decline", "DD-1", 10);
    let (_, kept) = ending_in(&app, "Kay Kept", "DD-2", 10);
    let me = signed_in(&app, &writer).await;
    let r = me
        .post_form(
            &format!("/policies/{id}/renewal/decline"),
            &[("decline_reason", "Moved to another carrier")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "policy_renewals WHERE policy_id = {id} AND status = 'declined' AND decline_reason = 'Moved to another carrier'"
        )),
        1
    );
    let end = today() + Duration::days(10);
    // Until the term ends nothing happens; the day after, the declined one is non-renewed and the
    // other expires.
    assert_eq!(lifecycle::due(&facts_on(&app, id, end)), None);
    assert_eq!(
        lifecycle::due(&facts_on(&app, id, end + Duration::days(1))),
        Some(Move::NonRenew)
    );
    assert_eq!(
        lifecycle::due(&facts_on(&app, kept, end + Duration::days(1))),
        Some(Move::Expire)
    );
    assert_eq!(
        lifecycle::decide(
            &facts_on(&app, id, end + Duration::days(1)),
            lifecycle::Who::System,
            &Move::NonRenew
        ),
        Ok(PolicyStatus::NonRenewed)
    );
    let (_, html) = me.page(&format!("/policies/{id}")).await;
    assert!(html.contains("ends non-renewed after"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_renewal_rate_counts_the_last_12_months() {
    let app = crate::harness::spawn_app().await;
    let owner = app.new_client();
    owner.login_as(Role::Owner).await;
    let (_, empty) = owner.page("/policies/renewals").await;
    assert!(empty.contains("nothing decided yet") && empty.contains("No renewals due"));

    let (_, renewed) = ending_in(&app, "Rate One", "RT-1", 15);
    let (_, declined) = ending_in(&app, "Rate Two", "RT-2", 15);
    let (_, expired) = ending_in(&app, "Rate Three", "RT-3", 15);
    let (_, open) = ending_in(&app, "Rate Four", "RT-4", 15);
    let new_end = (today() + Duration::days(400)).to_string();
    for pid in [renewed, open] {
        let r = owner
            .post_form(
                &format!("/policies/{pid}/renewal/offer"),
                &[("offer_premium", "100"), ("offer_term_end", &new_end)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = owner
        .post_form(
            &format!("/policies/{renewed}/renewal/acceptance"),
            &[("new_policy_number", "RT-1-N")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = owner
        .post_form(&format!("/policies/{declined}/renewal/decline"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A term that ended without a renewal counts against the rate.
    exec(
        &app,
        format!("UPDATE policies SET status = 'expired' WHERE id = {expired}"),
    );
    // One decided more than 12 months ago does not count.
    let (_, old) = ending_in(&app, "Rate Old", "RT-5", 15);
    let r = owner.post_form(&format!("/policies/{old}/renewal/decline"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let long_ago = (agency_engine::db::now() - Duration::days(400)).format("%Y-%m-%d %H:%M:%S");
    exec(
        &app,
        format!("UPDATE policy_renewals SET decided_at = '{long_ago}' WHERE policy_id = {old}"),
    );

    let (status, html) = owner.page("/policies/renewals").await;
    assert_eq!(status, 200);
    // 1 renewed ÷ (1 renewed + 1 declined + 1 ended without a renewal).
    assert!(html.contains("<strong>33.3%</strong>"), "{html}");
    assert!(html.contains("1 renewed, 1 declined, 1 ended without a renewal"));
    // The offered one is still to decide; the decided ones are off the list.
    assert!(html.contains("RT-4") && !html.contains("RT-2<"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_renewals_list_pages_by_term_end_without_repeating_a_policy() {
    let app = crate::harness::spawn_app().await;
    let (carrier, _ma, life) = catalogue(&app, "Pager Life");
    let (writer, agent) = licensed_agent(&app, "Paula Pager", &["FL"]);
    let per_page = agency_engine::policies::model::money::RENEWALS_PER_PAGE as usize;
    let total = per_page + 5;
    for n in 0..total {
        // Two policies a day, so the page boundary falls among equal term ends.
        let end = today() + Duration::days(10 + n as i64 / 2);
        let mut i = input(agent, carrier, life, &format!("PG-{n:03}"), "FL");
        i.submitted_on = (end - Duration::days(380)).to_string();
        i.effective_on = (end - Duration::days(365)).to_string();
        i.term_end_on = end.to_string();
        record(&app, i);
    }
    exec(&app, "UPDATE policies SET status = 'active'".into());
    let noticed = app
        .db
        .write_blocking(|c| renewals::renewal_notices(c, today(), "http://agency.test"))
        .unwrap();
    assert_eq!(noticed, total);
    let numbers = |html: &str| {
        (0..total)
            .map(|n| format!("PG-{n:03}"))
            .filter(|n| html.contains(n.as_str()))
            .collect::<Vec<_>>()
    };

    let me = signed_in(&app, &writer).await;
    let (status, first) = me.page("/policies/renewals").await;
    assert_eq!(status, 200);
    let page1 = numbers(&first);
    assert_eq!(page1.len(), per_page, "{first}");
    assert!(page1.contains(&"PG-000".to_string()), "the soonest first");
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .expect("a next link")
        .replace("&amp;", "&");
    let (status, second) = me.page(&next).await;
    assert_eq!(status, 200);
    let page2 = numbers(&second);
    assert_eq!(page2.len(), 5, "{second}");
    assert!(page2.iter().all(|n| !page1.contains(n)), "no policy on both pages");
    assert!(!second.contains("rel=\"next\"") && second.contains("Soonest"));
}
