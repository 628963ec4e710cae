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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_thirty_brokers_connections_of_each_kind_referrals_in_every_state_two_pooled_teams_and_tiers_to_platinum(
) {
    let app = crate::harness::spawn_demo_with(|s| s.run_worker = false).await;
    assert_eq!(app.count("users WHERE role = 'broker'"), 30);
    assert_eq!(app.count("network_profiles"), 30);
    assert_eq!(
        app.count("network_profiles WHERE bio = '' OR lines = '' OR states = ''"),
        0,
        "every broker has a profile"
    );
    for kind in ["mentorship", "partnership", "cross_referral"] {
        assert!(
            app.count(&format!(
                "network_connections WHERE kind = '{kind}' AND status = 'active'"
            )) > 0,
            "{kind}"
        );
    }
    for status in ["pending", "declined", "inactive"] {
        assert!(
            app.count(&format!("network_connections WHERE status = '{status}'")) > 0,
            "a {status} connection"
        );
    }
    assert_eq!(
        app.count("network_links"),
        2 * app.count("network_connections WHERE status = 'active'"),
        "each active connection in the graph both ways"
    );
    for status in [
        "consent_needed",
        "pending",
        "accepted",
        "declined",
        "expired",
        "converted",
        "stopped",
    ] {
        assert!(
            app.count(&format!("referrals WHERE status = '{status}'")) > 0,
            "a {status} referral"
        );
    }
    assert_eq!(
        app.count("referrals WHERE status = 'declined' AND decline_reason IS NULL"),
        0
    );
    assert!(
        app.count("referrals WHERE target_kind = 'team'") > 0
            && app.count("referrals WHERE target_kind = 'agency'") > 0
    );
    // Each conversion is a policy for the referred lead, whose fee went into the ledger.
    let converted = app.count("referrals WHERE status = 'converted'");
    assert_eq!(
        app.count("referrals r JOIN policies p ON p.id = r.policy_id AND p.lead_id = r.source_lead_id WHERE r.status = 'converted'"),
        converted
    );
    assert_eq!(
        app.count("commission_entries WHERE payee_kind = 'broker' AND role = 'referral'"),
        converted
    );
    assert!(app.count("referral_ratings") > 0);
    // Two teams with a leader and members, each with a pool; one shared out to the cent.
    assert_eq!(app.count("broker_teams WHERE pool_bps > 0"), 2);
    assert_eq!(
        app.count("broker_teams WHERE strategy = '\"LeastBusy\"'"),
        1,
        "one team shares its referrals by least busy"
    );
    assert_eq!(
        app.count("broker_teams t WHERE EXISTS (SELECT 1 FROM broker_team_members m WHERE m.user_id = t.leader_id AND m.team_id = t.id)"),
        2
    );
    assert!(app.count("broker_team_members") > 4);
    assert_eq!(app.count("broker_pool_runs"), 1);
    let pool: i64 = app
        .first_value("SELECT CAST(SUM(amount_cents) AS TEXT) AS v FROM commission_entries WHERE role = 'pool'")
        .and_then(|v| v.parse().ok())
        .expect("pool entries");
    assert_eq!(pool, 0, "what the members pooled is what they were given");
    for tier in ["Bronze", "Silver", "Gold", "Platinum"] {
        assert!(
            app.count(&format!("network_scores WHERE tier = '{tier}'")) > 0,
            "a {tier} broker"
        );
    }
    assert_eq!(app.count("network_scores"), 30);

    // The demo broker signs in to her portal: her tier, the referrals waiting for her and hers.
    let angela = app
        .first_value("SELECT CAST(id AS TEXT) AS v FROM users WHERE email = 'broker@sunbelt-demo.test'")
        .expect("the demo broker");
    let tier = app
        .first_value(&format!(
            "SELECT tier AS v FROM network_scores WHERE user_id = {angela}"
        ))
        .expect("her score");
    let broker = app.new_client();
    broker
        .login("broker@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
        .await;
    let (status, body) = broker.page("/network").await;
    assert_eq!(status, 200);
    assert!(body.contains(&tier), "her tier ({tier})");
    assert!(
        !body.contains("Nothing is waiting for your answer"),
        "referrals wait for her"
    );
    assert!(!body.contains("No referrals yet"), "her sent referrals");
    let team = app
        .first_value(&format!(
            "SELECT CAST(team_id AS TEXT) AS v FROM broker_team_members WHERE user_id = {angela}"
        ))
        .expect("her team");
    let (status, body) = broker.page(&format!("/network/teams/{team}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Gulf Coast Referral Circle"));
    let mine = app
        .first_value(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM referrals WHERE referrer_id = {angela} AND status = 'converted' ORDER BY id LIMIT 1"
        ))
        .expect("a converted referral of hers");
    assert_eq!(broker.page(&format!("/network/referrals/{mine}")).await.0, 200);
    let other = app
        .first_value(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM referrals WHERE referrer_id <> {angela} AND (receiver_id IS NULL OR receiver_id <> {angela}) ORDER BY id LIMIT 1"
        ))
        .expect("someone else's referral");
    assert_eq!(broker.page(&format!("/network/referrals/{other}")).await.0, 404);
    let owner = app.new_client();
    owner
        .login("owner@sunbelt-demo.test", agency_engine::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(owner.page(&format!("/network/referrals/{other}")).await.0, 200);
    for page in ["/admin/network", "/network/leaderboard"] {
        assert_eq!(owner.page(page).await.0, 200, "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_large_network_is_written_in_bulk_through_the_apps_schema_and_scored() {
    let app = spawn_with(|s| s.run_worker = false).await;
    let added = agency_engine::demo::large::network::seed(&app.db, 60, 400, 900).unwrap();
    assert_eq!(
        (added.brokers, added.connections, added.referrals, added.scored),
        (60, 400, 900, 60)
    );
    assert_eq!(app.count("users WHERE role = 'broker'"), 60);
    assert_eq!(app.count("network_profiles"), 60);
    assert_eq!(app.count("network_connections WHERE status = 'active'"), 400);
    assert_eq!(app.count("network_links"), 800, "each connection both ways");
    assert_eq!(
        app.count("network_links l JOIN network_connections c ON c.id = l.connection_id AND l.user_id IN (c.requester_id, c.addressee_id) AND l.other_id IN (c.requester_id, c.addressee_id)"),
        800
    );
    assert_eq!(app.count("network_connection_events"), 800, "requested and accepted");
    assert_eq!(app.count("referrals"), 900);
    for status in ["pending", "accepted", "declined", "expired", "converted"] {
        assert!(
            app.count(&format!("referrals WHERE status = '{status}'")) > 0,
            "{status}"
        );
    }
    assert_eq!(
        app.count("referrals WHERE status = 'declined' AND decline_reason IS NULL"),
        0
    );
    assert_eq!(
        app.count("referrals WHERE status IN ('pending', 'consent_needed') AND expires_at < CURRENT_TIMESTAMP"),
        0,
        "nothing open is past its deadline"
    );
    assert_eq!(app.count("network_scores"), 60);
    assert!(app.count("network_scores WHERE tier <> 'Bronze'") > 0);
    // One member's score from their own neighbourhood is the one the whole network gives.
    let same = app
        .db
        .read_blocking(|c| {
            use agency_engine::network::standing;
            let at = agency_engine::db::now();
            let all = standing::snapshot(c, None)?;
            let mut same = true;
            for &id in all.members.iter().step_by(7) {
                let near = standing::snapshot(c, Some(id))?;
                let (a, x) = standing::member_score(&near, id, at);
                let (b, y) = standing::member_score(&all, id, at);
                same &= a == b && x.hundredths == y.hundredths;
            }
            Ok(same)
        })
        .unwrap();
    assert!(same, "a member's neighbourhood scores them as the whole network does");
    // Seeding again adds nothing; a generated broker signs in to the network pages.
    let again = agency_engine::demo::large::network::seed(&app.db, 60, 400, 900).unwrap();
    assert_eq!(again, agency_engine::demo::large::network::Added::default());
    let r = app.login("broker0@large.sunbelt-demo.test", "demo-agency-2026").await;
    assert_eq!(r.status(), 303);
    for page in [
        "/network",
        "/network/leaderboard",
        "/network/connections",
        "/network/referrals",
        "/network/score",
    ] {
        assert_eq!(app.page(page).await.0, 200, "{page}");
    }
}
