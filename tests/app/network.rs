//! Tests for issue 17 (the broker network), through the domain's services on a real database:
//! connections and their history, and reach at each degree on a known graph with a cycle.

use agency_engine::audit::AuditActor;
use agency_engine::auth::roles::Role;
use agency_engine::network::{model, service};

use crate::harness::spawn_with;

fn as_member(id: i64) -> (service::NetworkActor, AuditActor) {
    (
        service::NetworkActor { id, role: Role::Broker },
        AuditActor {
            id: Some(id),
            label: format!("broker {id}"),
            ip: None,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_asked_answered_and_ended_and_reach_counts_each_degree_once() {
    let app = spawn_with(|s| s.run_worker = false).await;
    // Seven brokers: a-b, b-c, c-a (a cycle), c-d, d-e, e-f; g is asked but declines.
    let ids: Vec<i64> = (0..7)
        .map(|i| app.create_user(Role::Broker, &format!("Broker {i}")).id)
        .collect();
    let (a, b, c, d, e, f, g) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    let result = app.db.write_blocking(move |conn| {
        let connect = |conn: &mut agency_engine::db::DbConnection,
                       from: i64,
                       to: i64|
         -> Result<i64, agency_engine::error::AppError> {
            let (actor, who) = as_member(from);
            let (id, _) = service::request_connection(conn, actor, &who, &to.to_string(), "cross_referral", "")?;
            // A second request between the same two is refused while the first is open.
            let (back, back_who) = as_member(to);
            assert!(service::request_connection(conn, back, &back_who, &from.to_string(), "partnership", "").is_err());
            service::answer_connection(conn, back, &back_who, id, true)?;
            Ok(id)
        };
        for (x, y) in [(a, b), (b, c), (c, a), (c, d), (d, e), (e, f)] {
            connect(conn, x, y)?;
        }
        let (actor_a, who_a) = as_member(a);
        let (asked, _) = service::request_connection(conn, actor_a, &who_a, &g.to_string(), "mentorship", "Hello")?;
        // Only the member asked may answer.
        assert!(service::answer_connection(conn, actor_a, &who_a, asked, true).is_err());
        let (actor_g, who_g) = as_member(g);
        service::answer_connection(conn, actor_g, &who_g, asked, false)?;
        let before = model::reach_counts(conn, a)?;
        // Ending d-e cuts e and f off from a; the connection's history is kept.
        let de = model::open_between(conn, d, e)?.expect("d and e are connected").id;
        let (actor_e, who_e) = as_member(e);
        service::deactivate_connection(conn, actor_e, &who_e, de)?;
        let after = model::reach_counts(conn, a)?;
        let history: Vec<String> = model::connection_events(conn, de)?
            .into_iter()
            .map(|(_, k, _)| k)
            .collect();
        // Someone not on either side gets a 404 for the connection.
        let (actor_f, who_f) = as_member(f);
        let outsider = service::deactivate_connection(conn, actor_f, &who_f, asked);
        Ok((before, after, history, outsider.is_err(), model::neighbours(conn, a)?))
    });
    let (before, after, history, refused, neighbours) = result.expect("the network steps");
    // From a: b and c at 1 (the cycle does not count anyone twice), d at 2, e at 3 (f is 4 away).
    assert_eq!(before, [2, 1, 1]);
    assert_eq!(after, [2, 1, 0]);
    assert_eq!(history, vec!["requested", "accepted", "deactivated"]);
    assert!(refused, "an outsider cannot end someone else's connection");
    let mut expect = vec![b, c];
    expect.sort();
    assert_eq!(neighbours, expect, "the declined request made no link");
    assert_eq!(app.count("network_connections WHERE status = 'declined'"), 1);
    assert_eq!(app.count("network_links"), 10, "five active connections, both ways");
    assert!(app
        .audit_actions()
        .contains(&"network.connection_deactivated".to_string()));
}

fn status_of(app: &crate::harness::TestApp, id: i64) -> String {
    app.db
        .read_blocking(move |c| {
            Ok(model::referral(c, id)?
                .expect("the referral")
                .status
                .as_str()
                .to_string())
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_waits_for_consent_shows_nobody_until_then_and_expires_by_the_job() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let a = app.login_as(Role::Broker).await;
    let b = app.create_user(Role::Broker, "Bea Receiver");
    let outsider = app.create_user(Role::Broker, "Otto Outside");
    let (aid, bid) = (a.id, b.id);
    app.db
        .write_blocking(move |c| {
            let (actor, who) = as_member(aid);
            let (id, _) = service::request_connection(c, actor, &who, &bid.to_string(), "cross_referral", "")?;
            let (back, back_who) = as_member(bid);
            service::answer_connection(c, back, &back_who, id, true)?;
            Ok(())
        })
        .unwrap();
    let target = format!("broker:{bid}");
    let form = |fee: &'static str, last: &'static str, sellers: &'static str| {
        vec![
            ("target", target.clone()),
            ("first_name", "Zed".to_string()),
            ("last_name", last.to_string()),
            ("phone", "305-555-0142".to_string()),
            ("zip", "33101".to_string()),
            ("product_line", "medicare_advantage".to_string()),
            (
                "consent_text",
                "I agree to be contacted about Medicare plans.".to_string(),
            ),
            ("consent_sellers", sellers.to_string()),
            ("split_kind", "flat".to_string()),
            ("fee", fee.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/network/referrals", &f).await
        }
    };
    // A Medicare flat fee above the CMS referral-fee limit ($100 for MA) is refused.
    let r = post(form("150", "Quillfeather", "Someone Else Insurance")).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("CMS"), "the page names the limit");
    assert_eq!(app.count("referrals"), 0);
    // Within the limit, but the consent names somebody else: it waits for consent.
    let r = post(form("50", "Quillfeather", "Someone Else Insurance")).await;
    assert_eq!(r.status(), 303);
    let rid = crate::harness::location_id(&r);
    assert_eq!(status_of(&app, rid), "consent_needed");
    // The referrer is shown the one-time link (the person has no e-mail address).
    let shown = app
        .get(&format!("/network/referrals/{rid}"))
        .await
        .text()
        .await
        .unwrap();
    let at = shown
        .find("/referral-consent/")
        .expect("the consent link is shown once");
    let token: String = shown[at + "/referral-consent/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    // The receiver sees no personal data before consent; an outsider gets 404.
    let receiver = app.new_client();
    receiver.login(&b.email, &b.password).await;
    let before = receiver.get(&format!("/network/referrals/{rid}")).await;
    assert_eq!(before.status(), 200);
    let before = before.text().await.unwrap();
    assert!(
        !before.contains("Quillfeather") && !before.contains("305"),
        "no personal data before consent"
    );
    let other = app.new_client();
    other.login(&outsider.email, &outsider.password).await;
    assert_eq!(other.get(&format!("/network/referrals/{rid}")).await.status(), 404);
    // The person consents on the public page, which names the receiver.
    let person = app.new_client();
    let page = person.get(&format!("/referral-consent/{token}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Bea Receiver"));
    let csrf = person.csrf().await;
    let r = person
        .post_form(
            &format!("/referral-consent/{token}"),
            &[("csrf_token", csrf.as_str()), ("answer", "yes")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(status_of(&app, rid), "pending");
    assert_eq!(
        person.get(&format!("/referral-consent/{token}")).await.status(),
        404,
        "the link works once"
    );
    let after = receiver
        .get(&format!("/network/referrals/{rid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        after.contains("Quillfeather"),
        "the receiver sees the person once they consented"
    );
    let csrf = receiver.csrf().await;
    let r = receiver
        .post_form(
            &format!("/network/referrals/{rid}/accept"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, rid), "accepted");
    // The same person again is refused: the first referral wins.
    let r = post(form("50", "Quillfeather", "Bea Receiver")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("first referral wins"));
    // A second person whose consent names the receiver goes straight to them, and the daily
    // job's expiry ends it when nobody answers in time.
    let mut second = form("50", "Ostrander", "Bea Receiver");
    second[3].1 = "305-555-0199".into();
    let r = post(second).await;
    assert_eq!(r.status(), 303);
    let second_id = crate::harness::location_id(&r);
    assert_eq!(status_of(&app, second_id), "pending");
    let expired = app
        .db
        .write_blocking(|c| {
            agency_engine::network::referrals::expire_overdue(c, agency_engine::db::now() + chrono::Duration::days(31))
        })
        .unwrap();
    assert_eq!(expired, 1);
    assert_eq!(status_of(&app, second_id), "expired");
    assert_eq!(status_of(&app, rid), "accepted", "an accepted referral does not expire");
}
