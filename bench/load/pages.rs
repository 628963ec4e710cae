//! Signing in and finding the pages to load: the deep page of a lead list and a lead's id.

use std::sync::Arc;

use anyhow::{bail, Context};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue, COOKIE};
use reqwest::{Client, StatusCode};

use crate::load_run::one_connection_client;

/// Signs in through the login form and returns the session's `Cookie` header value.
pub async fn login(base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()?;
    let form = client.get(format!("{base}/login")).send().await?;
    let status = form.status();
    let html = form.text().await?;
    let Some(csrf) = csrf_token(&html) else {
        bail!("GET /login answered {status} without a CSRF token (a database without users redirects to /setup)");
    };
    let answer = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password), ("csrf_token", csrf.as_str())])
        .send()
        .await?;
    if answer.status() != StatusCode::SEE_OTHER {
        bail!("signing in as {email} answered {} instead of 303", answer.status());
    }
    let url = base.parse().context("base URL")?;
    let cookie = jar.cookies(&url).context("no session cookie after signing in")?;
    Ok(cookie.to_str()?.to_string())
}

/// A client for discovery requests with the session cookie.
pub fn session_client(cookie: &str) -> anyhow::Result<Client> {
    let mut h = HeaderMap::new();
    h.insert(COOKIE, HeaderValue::from_str(cookie)?);
    one_connection_client(h)
}

/// GETs a page and returns its HTML, failing on anything but 200.
pub async fn fetch(client: &Client, base: &str, path: &str) -> anyhow::Result<String> {
    let r = client.get(format!("{base}{path}")).send().await?;
    if r.status() != StatusCode::OK {
        bail!("GET {path} answered {}", r.status());
    }
    Ok(r.text().await?)
}

/// Follows the lead list's `rel="next"` link up to `hops` times from `start`; returns the last
/// page reached and how many hops were made.
pub async fn deep_page(client: &Client, base: &str, start: &str, hops: usize) -> anyhow::Result<(String, usize)> {
    let mut path = start.to_string();
    let mut made = 0;
    while made < hops {
        let html = fetch(client, base, &path).await?;
        let Some(next) = next_link(&html) else { break };
        path = next;
        made += 1;
    }
    Ok((path, made))
}

fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker)? + marker.len();
    html[start..].split('"').next().map(str::to_string)
}

/// The href of the `<a ... rel="next">` link, unescaped.
fn next_link(html: &str) -> Option<String> {
    let rel = html.find("rel=\"next\"")?;
    let tag = &html[html[..rel].rfind("<a ")?..rel];
    let start = tag.find("href=\"")? + "href=\"".len();
    let href = tag[start..].split('"').next()?;
    Some(href.replace("&amp;", "&"))
}

/// The first lead id linked from a lead list (`href="/leads/123"`).
pub fn first_lead_id(html: &str) -> Option<i64> {
    let marker = "href=\"/leads/";
    html.match_indices(marker).find_map(|(i, _)| {
        let rest = &html[i + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        match rest[digits.len()..].starts_with('"') {
            true => digits.parse().ok(),
            false => None,
        }
    })
}

/// The text of the page's first `<h1>` (a lead page's is the person's name), tags left out.
pub fn first_heading(html: &str) -> Option<String> {
    let start = html.find("<h1")?;
    let body = &html[start..];
    let body = &body[body.find('>')? + 1..];
    let inner = &body[..body.find("</h1>")?];
    let mut text = String::new();
    let mut in_tag = false;
    for ch in inner.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}
