//! Every route is registered here with its access rule. The access middleware enforces the rule
//! before any handler runs, and the authorization test walks the same table, so a route cannot
//! exist without a rule nor escape the test.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder, Route};

use crate::auth::roles::Role;
use crate::auth::scopes::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any active user.
    SignedIn,
    /// Active users with one of these roles.
    Roles(&'static [Role]),
    /// A bearer API token (no session, no CSRF) holding any of these scopes; an empty list opens
    /// the route to every token.
    Api(&'static [Scope]),
}

impl Access {
    pub fn is_api(self) -> bool {
        matches!(self, Access::Api(_))
    }

    pub fn allows(self, role: Option<Role>) -> bool {
        match self {
            Access::Public => true,
            Access::SignedIn => role.is_some(),
            Access::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
            Access::Api(_) => false,
        }
    }
}

/// Which per-address rate limit a route's POSTs share (besides the API's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// Signing in and everything that guesses a password or a secret.
    SignIn,
    /// Public forms (the quote form).
    PublicForm,
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// The rate limit its requests share, if any.
    pub limit: Option<RateLimit>,
}

/// Collects routes and their rules; `apply` hands the routes to actix.
#[derive(Default)]
pub struct Routes {
    specs: Vec<RouteSpec>,
    routes: Vec<(&'static str, Route)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add<F, Args>(&mut self, method: Method, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.specs.push(RouteSpec {
            method: method.clone(),
            path,
            access,
            limit: None,
        });
        self.routes.push((path, web::method(method).to(handler)));
        self
    }

    pub fn get<F, Args>(&mut self, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, access, handler)
    }

    pub fn post<F, Args>(&mut self, path: &'static str, access: Access, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, access, handler)
    }

    /// Puts the POST routes at these paths under a rate limit (each domain names its own).
    pub fn limit_posts(&mut self, paths: &[&str], limit: RateLimit) -> &mut Self {
        for spec in &mut self.specs {
            if spec.method == Method::POST && paths.contains(&spec.path) {
                spec.limit = Some(limit);
            }
        }
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn apply(self, cfg: &mut web::ServiceConfig) {
        for (path, route) in self.routes {
            cfg.route(path, route);
        }
    }
}

/// The rules, matched the way actix routes: in registration order, by method and path.
pub struct RouteTable {
    entries: Vec<(RouteSpec, ResourceDef)>,
}

impl RouteTable {
    pub fn new(specs: &[RouteSpec]) -> Self {
        RouteTable {
            entries: specs.iter().map(|s| (s.clone(), ResourceDef::new(s.path))).collect(),
        }
    }

    pub fn find(&self, method: &Method, path: &str) -> Option<&RouteSpec> {
        self.entries
            .iter()
            .find(|(s, def)| s.method == method && def.is_match(path))
            .map(|(s, _)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn table_matches_by_method_and_order() {
        let mut r = Routes::new();
        r.get("/admin/users/new", Access::Roles(&[Role::Owner]), ok)
            .get("/admin/users/{id}", Access::SignedIn, ok)
            .post("/admin/users/{id}", Access::Public, ok);
        let t = RouteTable::new(r.specs());
        assert_eq!(
            t.find(&Method::GET, "/admin/users/new").unwrap().access,
            Access::Roles(&[Role::Owner])
        );
        assert_eq!(t.find(&Method::GET, "/admin/users/7").unwrap().access, Access::SignedIn);
        assert_eq!(t.find(&Method::POST, "/admin/users/7").unwrap().access, Access::Public);
        assert!(t.find(&Method::DELETE, "/admin/users/7").is_none());
        assert!(t.find(&Method::GET, "/nowhere").is_none());
    }

    #[test]
    fn access_rules_allow_the_right_roles() {
        assert!(Access::Public.allows(None));
        assert!(!Access::SignedIn.allows(None));
        assert!(Access::SignedIn.allows(Some(Role::Broker)));
        assert!(Access::Roles(&[Role::Owner, Role::Admin]).allows(Some(Role::Admin)));
        assert!(!Access::Roles(&[Role::Owner, Role::Admin]).allows(Some(Role::Agent)));
    }
}
