//! Every registered route × every role → the status its access rule promises. The table comes
//! from the application itself, so a new route is tested the moment it is registered.

use agency_engine::auth::roles::Role;
use agency_engine::auth::scopes::{self, Scope};
use agency_engine::startup::route_specs;
use agency_engine::web::routes::Access;
use reqwest::{Method, StatusCode};

use crate::harness::{spawn_app, TestApp};

/// Public routes, listed on purpose: a route made public by mistake fails here.
const PUBLIC: &[&str] = &[
    "GET /",
    "GET /setup",
    "POST /setup",
    "GET /login",
    "POST /login",
    "GET /invitations/{token}",
    "POST /invitations/{token}",
    "GET /password-reset",
    "POST /password-reset",
    "GET /password-reset/{token}",
    "POST /password-reset/{token}",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /photos/{file}",
    "GET /quote",
    "POST /quote",
    "GET /quote/thanks",
    "GET /api/v1/openapi.json",
    "GET /certificates/{code}",
    "GET /agency.css",
    "GET /soa/sign/{token}",
    "POST /soa/sign/{token}",
    "GET /referral-consent/{token}",
    "POST /referral-consent/{token}",
];

fn fill(path: &str, target_id: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let name = &rest[start + 1..end];
        out.push_str(&match name {
            "id" => target_id.to_string(),
            "token" => "not-a-real-token".to_string(),
            // Records that do not exist: authorised roles get 404, never 403 or 500.
            "licence_id" | "certification_id" | "agent_id" => "999999".to_string(),
            "file" => "123-abc.jpg".to_string(),
            "doc_id" => "999999".to_string(),
            "code" => "ABCD-EFGH-JKMN".to_string(),
            other => {
                panic!("the authorization test needs a sample value for {{{other}}} in {path}")
            }
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

async fn send(app: &TestApp, method: &Method, path: &str) -> StatusCode {
    let req = if *method == Method::GET {
        app.client.get(app.url(path))
    } else {
        let token = app.csrf().await;
        app.client
            .request(method.clone(), app.url(path))
            .form(&[("csrf_token", token.as_str())])
    };
    req.send().await.expect("request").status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_its_rule_says() {
    let app = spawn_app().await;
    // The record that {id} routes point at: an agent nobody signs in as.
    let target = app.create_user(Role::Agent, "Target Agent");
    let specs = route_specs();
    assert!(specs.len() >= 30, "routes are registered");

    let listed: Vec<String> = specs
        .iter()
        .filter(|s| s.access == Access::Public)
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    for p in &listed {
        assert!(
            PUBLIC.contains(&p.as_str()),
            "{p} is public but not on the list of public routes"
        );
    }

    let mut checked = 0;
    let roles: Vec<Option<Role>> = std::iter::once(None).chain(Role::ALL.into_iter().map(Some)).collect();
    for role in roles {
        let browser = app.new_client();
        if let Some(r) = role {
            browser.login_as(r).await;
        }
        for spec in &specs {
            let path = fill(spec.path, target.id);
            let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
            let status = send(&browser, &method, &path).await;
            let who = role.map(|r| r.as_str()).unwrap_or("anonymous");
            assert!(!status.is_server_error(), "{} {path} as {who}: {status}", spec.method);
            match (spec.access, role) {
                (Access::Public, _) => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{} {path} as {who}: {status}",
                    spec.method
                ),
                (Access::Api(_), _) => assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{} {path} as {who} without a token",
                    spec.method
                ),
                (_, None) if method == Method::GET => assert_eq!(
                    status,
                    StatusCode::SEE_OTHER,
                    "{} {path} as anonymous goes to sign-in",
                    spec.method
                ),
                (_, None) => assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {path} as anonymous", spec.method),
                (access, Some(r)) if access.allows(Some(r)) => {
                    assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{} {path} as {who}: {status}",
                        spec.method
                    )
                }
                (_, Some(_)) => assert_eq!(status, StatusCode::FORBIDDEN, "{} {path} as {who}", spec.method),
            }
            checked += 1;
            // Signing out (or anything else that ended the session) means signing in again.
            if let Some(r) = role {
                if browser.get("/account").await.status() != StatusCode::OK {
                    browser.login_as(r).await;
                }
            }
        }
    }
    assert_eq!(checked, specs.len() * 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_change_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let owner = app.login_as(Role::Owner).await;
    let target = app.create_user(Role::Agent, "Priya Raman");
    let path = format!("/admin/users/{}/deactivation", target.id);
    let r = app
        .client
        .post(app.url(&path))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("did not come from this site"));
    let r = app
        .client
        .post(app.url(&path))
        .form(&[("confirm", "yes"), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The header used by partial requests works like the form field.
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&path))
        .header("X-CSRF-Token", token)
        .header("X-Partial", "1")
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let active = app
        .db
        .read_blocking(move |c| Ok(agency_engine::auth::model::find_user(c, target.id)?.active))
        .unwrap();
    assert!(!active);
    let _ = owner;
}

/// The token sets the API test walks: each agency scope alone, and all of them; a member's own
/// token (`network`) is walked beside them.
fn token_scope_sets() -> Vec<Vec<Scope>> {
    let mut sets: Vec<Vec<Scope>> = Scope::AGENCY.iter().map(|s| vec![*s]).collect();
    sets.push(Scope::AGENCY.to_vec());
    sets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_answers_every_token_as_its_scopes_say() {
    let app = spawn_app().await;
    let specs = route_specs();
    let api: Vec<_> = specs.iter().filter(|s| s.access.is_api()).collect();
    assert!(api.len() >= 3, "API routes are registered");
    let mut checked = 0;
    let mut tokens: Vec<(Vec<Scope>, String)> = token_scope_sets()
        .into_iter()
        .map(|set| {
            let names: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
            let token = app.api_token("walk", &names);
            (set, token)
        })
        .collect();
    let broker = app.create_user(Role::Broker, "Walking Broker");
    tokens.push((vec![Scope::Network], app.member_token(broker.id, "walk")));
    for (set, token) in &tokens {
        let names: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
        for spec in &api {
            let Access::Api(needed) = spec.access else {
                unreachable!()
            };
            // {id} points at a lead that does not exist: a token that may read gets 404.
            let path = fill(spec.path, 999_999);
            let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
            let r = app
                .client
                .request(method, app.url(&path))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = r.status();
            let who = names.join("+");
            assert!(!status.is_server_error(), "{} {path} with {who}: {status}", spec.method);
            if scopes::allows(set, needed) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{} {path} with {who}: {status}",
                    spec.method
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{} {path} with {who}", spec.method);
                let body: serde_json::Value = r.json().await.unwrap();
                assert!(body["message"].as_str().unwrap().contains("needs the scope"), "{body}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, api.len() * tokens.len());
}

/// Endorsements, payments and renewals (issue 15, items 6–8): registered for the policy users
/// only (the walk above checks each of them for every role; a policy id that does not exist, or
/// another agent's, answers 404).
#[test]
fn the_policy_money_routes_are_for_owners_admins_and_agents() {
    let specs = route_specs();
    for (method, path) in [
        ("GET", "/policies/payments"),
        ("POST", "/policies/{id}/payments"),
        ("POST", "/policies/{id}/endorsements"),
        ("GET", "/policies/renewals"),
        ("POST", "/policies/{id}/renewal/offer"),
        ("POST", "/policies/{id}/renewal/acceptance"),
        ("POST", "/policies/{id}/renewal/decline"),
    ] {
        let spec = specs
            .iter()
            .find(|s| s.method.as_str() == method && s.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is registered"));
        for role in Role::ALL {
            let allowed = matches!(role, Role::Owner | Role::Admin | Role::Agent);
            assert_eq!(spec.access.allows(Some(role)), allowed, "{method} {path} as {role}");
        }
        assert!(!spec.access.allows(None), "{method} {path} needs a sign-in");
    }
}

/// The policy lists, export and API (issue 15): registered with the rules the walks above check.
#[test]
fn the_policy_lists_export_and_api_have_their_access_rules() {
    use agency_engine::auth::roles::STAFF;
    use agency_engine::policies::POLICY_USERS;
    let specs = route_specs();
    let rule = |method: &str, path: &str| {
        specs
            .iter()
            .find(|s| s.method.as_str() == method && s.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is registered"))
            .access
    };
    assert_eq!(rule("GET", "/policies"), Access::Roles(POLICY_USERS));
    assert_eq!(rule("GET", "/policies/export"), Access::Roles(STAFF));
    let read = Access::Api(&[Scope::PoliciesRead, Scope::PoliciesWrite]);
    assert_eq!(rule("GET", "/api/v1/policies"), read);
    assert_eq!(rule("GET", "/api/v1/policies/{id}"), read);
    assert_eq!(rule("POST", "/api/v1/policies"), Access::Api(&[Scope::PoliciesWrite]));
}
