//! Payee statements: locking, who sees them, the minimum payout carrying a balance, payouts.

use super::*;

fn month_key(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_is_seen_by_its_payee_only_once_locked_and_a_small_balance_is_carried_forward() {
    let app = without_worker().await;
    let (carrier, _ma, life) = catalogue(&app, "Ledger Life");
    let (small, small_id) = licensed_agent(&app, "Sal Small", &["FL"]);
    let (_big, big_id) = licensed_agent(&app, "Bea Big", &["FL"]);
    active_policy(&app, small_id, carrier, life, "LL-S", "FL");
    let mut i = input(big_id, carrier, life, "LL-B", "FL");
    let effective = this_month() - Months::new(1);
    i.submitted_on = (effective - Duration::days(5)).to_string();
    i.effective_on = effective.to_string();
    i.premium = "300.00".into();
    let big_policy = record(&app, i);
    exec(
        &app,
        format!("UPDATE policies SET status = 'active' WHERE id = {big_policy}"),
    );
    schedule(&app, life, "percent", "10");
    let last = this_month() - Months::new(1);
    compute(&app, last);

    // Before locking: the payees see no statement, the owner sees what locking would do.
    let sal = signed_in(&app, &small).await;
    let (_, page) = sal.page("/commissions").await;
    assert!(page.contains("No statement yet"), "{page}");
    let boss = app.new_client();
    boss.login_as(Role::Owner).await;
    let (status, page) = boss
        .page(&format!("/admin/commissions/payees?month={}", month_key(last)))
        .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Sal Small") && page.contains("$10.00") && page.contains("$30.00"),
        "{page}"
    );

    let admin = app.new_client();
    admin.login_as(Role::Admin).await;
    let lock = [("month", month_key(last))];
    let form: Vec<(&str, &str)> = lock.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        admin.post_form("/admin/commissions/payees/lock", &form).await.status(),
        StatusCode::FORBIDDEN
    );
    let future = [("month", month_key(this_month() + Months::new(1)))];
    let r = boss
        .post_form("/admin/commissions/payees/lock", &[("month", future[0].1.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = boss.post_form("/admin/commissions/payees/lock", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("payee_statements"), 2);
    assert_eq!(
        app.count("jobs WHERE kind = 'email' AND payload LIKE '%Your commission statement%'"),
        2
    );
    let statement = |agent: i64, period: NaiveDate| -> (i64, i64, i64, i64) {
        let row = app
            .first_value(&format!(
                "SELECT CAST(id AS TEXT) || ',' || CAST(opening_cents AS TEXT) || ',' || CAST(payout_cents AS TEXT) || ',' || CAST(carried_cents AS TEXT) AS v \
                 FROM payee_statements WHERE payee_kind = 'agent' AND payee_id = {agent} AND period = '{period}'"
            ))
            .expect("a statement");
        let v: Vec<i64> = row.split(',').map(|x| x.parse().unwrap()).collect();
        (v[0], v[1], v[2], v[3])
    };
    // $10.00 is below the $25.00 minimum: carried. $30.00 is paid.
    let (sal_first, _, payout, carried) = statement(small_id, last);
    assert_eq!((payout, carried), (0, 1_000));
    let (bea_first, _, payout, carried) = statement(big_id, last);
    assert_eq!((payout, carried), (3_000, 0));

    // Each payee sees their own; nobody else does.
    let (_, page) = sal.page("/commissions").await;
    assert!(page.contains(&format!("/commissions/statements/{sal_first}")));
    let (status, page) = sal.page(&format!("/commissions/statements/{sal_first}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("LL-S") && page.contains("$10.00") && page.contains("Carried forward"),
        "{page}"
    );
    assert_eq!(
        sal.get(&format!("/commissions/statements/{bea_first}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sal.get(&format!("/commissions/statements/{bea_first}/pdf"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let stranger = app.new_client();
    stranger.login_as(Role::Agent).await;
    assert_eq!(
        stranger
            .get(&format!("/commissions/statements/{sal_first}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let pdf = sal.get(&format!("/commissions/statements/{sal_first}/pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let csv = sal
        .get(&format!("/commissions/statements/{sal_first}/csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("LL-S") && csv.contains("10.00"), "{csv}");

    // This month: Sal's $10.00 more with $10.00 brought forward is still under the minimum.
    compute(&app, this_month());
    let now = [("month", month_key(this_month()))];
    let r = boss
        .post_form("/admin/commissions/payees/lock", &[("month", now[0].1.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, opening, payout, carried) = statement(small_id, this_month());
    assert_eq!((opening, payout, carried), (1_000, 0, 2_000));

    // The payout file, then the batch marked paid: a payout entry on each statement paid.
    let file = boss
        .get(&format!(
            "/admin/commissions/payouts/export?month={}",
            month_key(this_month())
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        file.contains("Bea Big") && file.contains("30.00") && !file.contains("Sal Small"),
        "{file}"
    );
    let r = boss
        .post_form("/admin/commissions/payouts", &[("month", now[0].1.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("payee_statements WHERE status = 'paid'"),
        2,
        "Bea's two months"
    );
    assert_eq!(
        ledger(&app, &format!("payee_kind = 'agent' AND payee_id = {big_id}")),
        0
    );
    assert_eq!(
        ledger(&app, &format!("payee_kind = 'agent' AND payee_id = {small_id}")),
        2_000
    );
    let year = boss
        .get(&format!("/admin/commissions/year-end?year={}", this_month().year()))
        .await
        .text()
        .await
        .unwrap();
    assert!(year.contains("Bea Big") && year.contains("60.00"), "{year}");
    let r = boss
        .post_form("/admin/commissions/payouts", &[("month", now[0].1.as_str())])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing left to pay");
}
