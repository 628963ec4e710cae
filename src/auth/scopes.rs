//! What an API token may do. Scopes are chosen when the token is created; every API route names
//! the scopes that open it in the route table, and the access middleware checks them.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// Send leads, and read back the leads this token created.
    #[serde(rename = "leads:write")]
    LeadsWrite,
    /// Read any lead, whoever sent it.
    #[serde(rename = "leads:read")]
    LeadsRead,
    /// Read every policy of the agency.
    #[serde(rename = "policies:read")]
    PoliciesRead,
    /// Record policies (and read them).
    #[serde(rename = "policies:write")]
    PoliciesWrite,
    /// Act in the broker network as the member who made the token (never on an agency token).
    #[serde(rename = "network")]
    Network,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::LeadsWrite,
        Scope::LeadsRead,
        Scope::PoliciesRead,
        Scope::PoliciesWrite,
        Scope::Network,
    ];

    /// What the agency's token page offers: every scope but `network`, which only a member's
    /// own token has (it acts as them).
    pub const AGENCY: [Scope; 4] = [
        Scope::LeadsWrite,
        Scope::LeadsRead,
        Scope::PoliciesRead,
        Scope::PoliciesWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::LeadsWrite => "leads:write",
            Scope::LeadsRead => "leads:read",
            Scope::PoliciesRead => "policies:read",
            Scope::PoliciesWrite => "policies:write",
            Scope::Network => "network",
        }
    }

    /// What the scope allows, in words for the token page.
    pub fn description(self) -> &'static str {
        match self {
            Scope::LeadsWrite => "Send leads, and read back only the leads this token sent",
            Scope::LeadsRead => "Read every lead of the agency, with names, e-mails and phones",
            Scope::PoliciesRead => "Read every policy of the agency, with its insured and premium",
            Scope::PoliciesWrite => "Record policies, and read every policy",
            Scope::Network => "Act in the broker network as the member who made the token: their profile, connections, referrals, score and the leaderboard",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("{s:?} is not a scope; choose from {}", known.join(", "))
            })
    }
}

/// A token's scopes, as stored: space-separated names. Unknown names (from a newer version) are
/// left out, so they grant nothing.
pub fn parse_stored(text: &str) -> Vec<Scope> {
    let mut out: Vec<Scope> = text.split([' ', ',']).filter_map(|s| s.parse().ok()).collect();
    out.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
    out.dedup();
    out
}

/// The stored form of a set of scopes, in a fixed order.
pub fn to_stored(scopes: &[Scope]) -> String {
    parse_stored(&scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scopes chosen for a new agency token: at least one, each known, none of a member's own.
pub fn parse_choice<S: AsRef<str>>(chosen: &[S]) -> Result<Vec<Scope>, String> {
    let mut scopes = Vec::new();
    for c in chosen {
        let scope = c.as_ref().parse::<Scope>()?;
        if !Scope::AGENCY.contains(&scope) {
            return Err(format!(
                "{scope} is for a member's own token: a broker makes it on their network API tokens page, and it acts as them."
            ));
        }
        scopes.push(scope);
    }
    let scopes = parse_stored(&to_stored(&scopes));
    if scopes.is_empty() {
        return Err("Choose at least one scope: what this token may do.".into());
    }
    Ok(scopes)
}

/// Does a token with `held` pass a route that any of `needed` opens? An empty `needed` opens the
/// route to every token.
pub fn allows(held: &[Scope], needed: &[Scope]) -> bool {
    needed.is_empty() || needed.iter().any(|n| held.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_print_and_keep_a_fixed_order() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>().unwrap(), s);
        }
        assert_eq!(
            parse_stored("leads:read leads:write"),
            vec![Scope::LeadsWrite, Scope::LeadsRead]
        );
        assert_eq!(parse_stored("leads:write,leads:write"), vec![Scope::LeadsWrite]);
        assert_eq!(
            to_stored(&[Scope::LeadsRead, Scope::LeadsWrite]),
            "leads:write leads:read"
        );
    }

    #[test]
    fn unknown_stored_scopes_grant_nothing() {
        assert_eq!(parse_stored("admin:everything"), vec![]);
        assert_eq!(parse_stored(""), vec![]);
    }

    #[test]
    fn a_new_token_needs_known_scopes() {
        assert!(parse_choice::<&str>(&[]).is_err());
        assert!(parse_choice(&["leads:delete"]).unwrap_err().contains("not a scope"));
        assert_eq!(parse_choice(&["leads:read"]).unwrap(), vec![Scope::LeadsRead]);
        // The network scope acts as a member: only the member's own page makes it.
        assert!(parse_choice(&["network"]).unwrap_err().contains("member's own"));
    }

    #[test]
    fn a_route_opens_to_any_of_its_scopes() {
        let write = [Scope::LeadsWrite];
        assert!(allows(&write, &[Scope::LeadsWrite, Scope::LeadsRead]));
        assert!(!allows(&write, &[Scope::LeadsRead]));
        assert!(allows(&write, &[]));
        assert!(!allows(&[], &[Scope::LeadsWrite]));
    }
}
