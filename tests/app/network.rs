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
