//! Routing rules, for owners and admins: the list in the order rules are tried, a form to add or
//! change one, moving a rule up or down, taking it out of use, and "who would get this lead and
//! why" for a sample lead before the rule is saved.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::rule_form::{RuleForm, STRATEGIES};
use super::store::{self, Trial};
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::domain::ProductLine;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::routing::{Pool, Rule, Strategy};
use crate::web::context::{is_partial, PageCtx};
use crate::web::{redirect_with, render, render_status, AppState};

/// The one check for every change to routing rules: owners and admins only.
pub fn may_manage_rules(user: &CurrentUser) -> Result<(), AppError> {
    if user.role.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A rule as the list shows it.
pub struct RuleLine {
    pub rule: Rule,
    pub when: String,
    pub who: String,
    pub how: String,
}

fn describe(rule: &Rule, agents: &[(i64, String)], teams: &[(i64, String)]) -> RuleLine {
    let c = &rule.conditions;
    let mut when: Vec<String> = Vec::new();
    if !c.products.is_empty() {
        when.push(c.products.iter().map(|p| p.label()).collect::<Vec<_>>().join(" or "));
    }
    if !c.states.is_empty() {
        when.push(format!("in {}", c.states.join(", ")));
    }
    if !c.sources.is_empty() {
        when.push(format!("from {}", c.sources.join(", ")));
    }
    match (c.min_score, c.max_score) {
        (Some(lo), Some(hi)) => when.push(format!("score {lo}–{hi}")),
        (Some(lo), None) => when.push(format!("score {lo} or more")),
        (None, Some(hi)) => when.push(format!("score up to {hi}")),
        (None, None) => {}
    }
    if !c.tags.is_empty() {
        when.push(format!("tagged {}", c.tags.join(" or ")));
    }
    let name_of = |id: &i64| {
        agents
            .iter()
            .find(|(a, _)| a == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "an agent who has left".to_string())
    };
    let who = match &rule.pool {
        Pool::Everyone => "Everyone".to_string(),
        Pool::Team(t) => format!(
            "Team {}",
            teams
                .iter()
                .find(|(id, _)| id == t)
                .map(|(_, n)| n.as_str())
                .unwrap_or("?")
        ),
        Pool::Agents(ids) => ids.iter().map(name_of).collect::<Vec<_>>().join(", "),
    };
    let mut how = match &rule.strategy {
        Strategy::RoundRobin => "Each agent in turn".to_string(),
        Strategy::Weighted(shares) => format!(
            "Weighted: {}",
            shares
                .iter()
                .map(|(a, s)| format!("{} {s}%", name_of(a)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Strategy::LeastBusy => "Least busy".to_string(),
        Strategy::BestPerformer { floor, min_closed } => format!(
            "Best closer (agents with fewer than {min_closed} closed leads count as {:.0}%)",
            floor * 100.0
        ),
        Strategy::Closest => "Closest to the lead".to_string(),
    };
    if let Some(cap) = rule.daily_cap {
        how.push_str(&format!("; at most {cap} a day each"));
    }
    if rule.ignore_hours {
        how.push_str("; any hour");
    }
    RuleLine {
        rule: rule.clone(),
        when: if when.is_empty() {
            "Every lead".into()
        } else {
            when.join(", ")
        },
        who,
        how,
    }
}

type Choices = (Vec<(i64, String)>, Vec<(i64, String)>);

fn choices(c: &mut DbConnection) -> Result<Choices, AppError> {
    let agents = crate::leads::model::assignable_agents(c)?;
    let teams = crate::agents::model::list_teams(c)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok((agents, teams))
}

/// The sources a rule may name: the ways leads come in and every source seen on a lead (`fresh`
/// reads them now rather than from the minute-old list).
fn known_sources(c: &mut DbConnection, caches: &crate::leads::Caches, fresh: bool) -> Result<Vec<String>, AppError> {
    let seen = if fresh {
        crate::leads::model::distinct_sources(c)?
    } else {
        crate::leads::model::distinct_sources_cached(c, caches)?
    };
    let mut all: Vec<String> = crate::leads::intake::INTAKE_SOURCES
        .iter()
        .map(|s| s.to_string())
        .collect();
    for s in seen {
        if !all.iter().any(|a| a.eq_ignore_ascii_case(&s)) {
            all.push(s);
        }
    }
    Ok(all)
}

#[derive(Template)]
#[template(path = "routing/rules.html")]
struct RulesPage {
    ctx: PageCtx,
    rules: Vec<RuleLine>,
    unassigned: i64,
}

pub async fn index(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (rules, unassigned) = state
        .db
        .read(|c| {
            let (agents, teams) = choices(c)?;
            let rules = store::saved_rules(c)?
                .iter()
                .map(|r| describe(r, &agents, &teams))
                .collect();
            Ok((rules, crate::leads::model::count_waiting_unassigned(c)?))
        })
        .await?;
    render(&RulesPage { ctx, rules, unassigned })
}

#[derive(Template)]
#[template(path = "routing/rule.html", blocks = ["trial"])]
struct RulePage {
    ctx: PageCtx,
    /// `None` for a new rule.
    id: Option<i64>,
    form: RuleForm,
    errors: FieldErrors,
    agents: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    products: [ProductLine; 11],
    strategies: [(&'static str, &'static str); 5],
    languages: &'static [(&'static str, &'static str)],
    states: &'static [(&'static str, &'static str)],
    /// The sources a rule may name, and any the form names that are not among them.
    sources: Vec<String>,
    /// The sample lead's result, when the rule was tried.
    trial: Option<Trial>,
}

impl RulePage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/routing/{id}"),
            None => "/admin/routing".into(),
        }
    }

    /// The chosen agent's name and why, from the trial.
    fn chosen_line(&self) -> Option<(String, String)> {
        let x = &self.trial.as_ref()?.explanation;
        let chosen = x.chosen?;
        x.ranking
            .iter()
            .find(|(id, _, _)| *id == chosen)
            .map(|(_, name, why)| (name.clone(), why.clone()))
    }

    /// The sentence that says which rule catches the sample lead, for an agency owner.
    fn catch_line(&self) -> Option<String> {
        let t = self.trial.as_ref()?;
        let this = if self.form.name.trim().is_empty() {
            "this rule".to_string()
        } else {
            format!("this rule (“{}”)", self.form.name.trim())
        };
        Some(match &t.caught_by {
            Some((_, id, _)) if *id == t.rule_id => {
                format!("This rule catches the lead: it is rule {} in the list and the first that fits.", t.place)
            }
            Some((n, _, name)) if t.misfits.is_empty() => format!(
                "Rule {n} “{name}” would take this lead first; {this} would then never see it. Move this rule above it, or narrow that rule, if this rule should have it."
            ),
            Some((n, _, name)) => format!("This rule does not fit the lead, so rule {n} “{name}” would take it."),
            None => format!("No rule fits this lead, {this} included, so it would wait unassigned."),
        })
    }

    /// The shown state of a part of the form ("hidden" when its condition does not hold).
    fn hidden_unless(&self, condition: &str) -> &'static str {
        if self.form.shows(condition) {
            ""
        } else {
            " hidden"
        }
    }

    /// "Any state" or the ticked states, for the picker's summary.
    fn states_summary(&self) -> String {
        let ticked: Vec<&str> = self
            .states
            .iter()
            .filter(|(c, _)| self.form.has_state(c))
            .map(|(c, _)| *c)
            .collect();
        if ticked.is_empty() {
            "Any state".into()
        } else {
            ticked.join(", ")
        }
    }

    fn sources_summary(&self) -> String {
        let ticked: Vec<&str> = self
            .sources
            .iter()
            .filter(|s| self.form.has_source(s))
            .map(String::as_str)
            .collect();
        if ticked.is_empty() {
            "Any source".into()
        } else {
            ticked.join(", ")
        }
    }

    fn is(&self, value: &str, wanted: &str) -> bool {
        value.trim() == wanted
    }
}

async fn form_page(
    ctx: PageCtx,
    state: &AppState,
    id: Option<i64>,
    form: RuleForm,
    errors: FieldErrors,
    trial: Option<Trial>,
) -> AppResult<RulePage> {
    let caches = state.caches.clone();
    let (agents, teams, mut sources) = state
        .db
        .read(move |c| {
            let (agents, teams) = choices(c)?;
            Ok((agents, teams, known_sources(c, &caches.leads, false)?))
        })
        .await?;
    // A saved rule's sources stay ticked even if no lead has come from them lately.
    for s in form.sources.iter().flat_map(|s| s.split(',')).map(str::trim) {
        if !s.is_empty() && !sources.iter().any(|k| k.eq_ignore_ascii_case(s)) {
            sources.push(s.to_string());
        }
    }
    Ok(RulePage {
        ctx,
        id,
        form,
        errors,
        agents,
        teams,
        products: ProductLine::ALL,
        strategies: STRATEGIES,
        languages: crate::domain::LANGUAGES,
        states: crate::domain::STATES,
        sources,
        trial,
    })
}

pub async fn new(ctx: PageCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let next = state
        .db
        .read(|c| {
            Ok(store::saved_rules(c)?
                .last()
                .map_or(10, |r| r.priority.saturating_add(10).min(9999)))
        })
        .await?;
    render(&form_page(ctx, &state, None, RuleForm::blank(next), FieldErrors::new(), None).await?)
}

pub async fn edit(ctx: PageCtx, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (rule, active) = state.db.read(move |c| store::find_rule(c, id)).await?;
    if !active {
        return Err(AppError::NotFound);
    }
    render(
        &form_page(
            ctx,
            &state,
            Some(id),
            RuleForm::from_rule(&rule),
            FieldErrors::new(),
            None,
        )
        .await?,
    )
}

/// Parses the form against the agents, teams and lead sources that exist. A source the saved
/// rule already names is kept even when no lead has come from it lately.
async fn parse(state: &AppState, id: Option<i64>, form: &RuleForm) -> AppResult<Result<Rule, FieldErrors>> {
    let caches = state.caches.clone();
    let f = form.clone();
    let (agents, teams, unknown) = state
        .db
        .read(move |c| {
            let (agents, teams) = choices(c)?;
            let mut known = known_sources(c, &caches.leads, false)?;
            if let Some(id) = id {
                known.extend(store::find_rule(c, id)?.0.conditions.sources);
            }
            let mut unknown = f.unknown_sources(&known);
            if unknown.is_some() {
                known.extend(known_sources(c, &caches.leads, true)?);
                unknown = f.unknown_sources(&known);
            }
            Ok((agents, teams, unknown))
        })
        .await?;
    let agent_ids: Vec<i64> = agents.iter().map(|(id, _)| *id).collect();
    let team_ids: Vec<i64> = teams.iter().map(|(id, _)| *id).collect();
    let parsed = form.parse(&agent_ids, &team_ids);
    Ok(match (parsed, unknown) {
        (parsed, None) => parsed,
        (Ok(_), Some(message)) => {
            let mut errors = FieldErrors::new();
            errors.add("sources", message);
            Err(errors)
        }
        (Err(mut errors), Some(message)) => {
            errors.add("sources", message);
            Err(errors)
        }
    })
}

pub async fn create(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    pairs: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    may_manage_rules(&user)?;
    save(ctx, user, session, state, None, RuleForm::from_pairs(&pairs)).await
}

pub async fn update(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    pairs: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    may_manage_rules(&user)?;
    let id = path.into_inner();
    let (_, active) = state.db.read(move |c| store::find_rule(c, id)).await?;
    if !active {
        return Err(AppError::NotFound);
    }
    save(ctx, user, session, state, Some(id), RuleForm::from_pairs(&pairs)).await
}

async fn save(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    id: Option<i64>,
    form: RuleForm,
) -> AppResult<HttpResponse> {
    let mut rule = match parse(&state, id, &form).await? {
        Ok(rule) => rule,
        Err(errors) => {
            let page = form_page(ctx, &state, id, form, errors, None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let who = user.audit();
    let name = rule.name.clone();
    state
        .db
        .write(move |c| {
            let (action, rule_id) = match id {
                Some(id) => {
                    rule.id = id;
                    store::update_rule(c, id, &rule)?;
                    ("routing_rule.updated", id)
                }
                None => ("routing_rule.created", store::insert_rule(c, &rule)?),
            };
            let details = serde_json::to_string(&rule).unwrap_or_default();
            audit::record(c, &who, action, "routing_rule", Some(rule_id), &details)?;
            Ok(())
        })
        .await?;
    let verb = if id.is_some() { "saved" } else { "added" };
    Ok(redirect_with(
        &session,
        "/admin/routing",
        "success",
        format!("The rule “{name}” is {verb}; new leads follow it now."),
    ))
}

/// Tries the form's rule on its sample lead; nothing is saved and no agent's turn is used.
pub async fn trial(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    pairs: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    may_manage_rules(&user)?;
    let form = RuleForm::from_pairs(&pairs);
    let id = pairs
        .iter()
        .find(|(k, _)| k == "rule_id")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let mut errors = FieldErrors::new();
    let rule = match parse(&state, id, &form).await? {
        Ok(rule) => Some(rule),
        Err(e) => {
            errors = e;
            None
        }
    };
    let lead = match form.parse_sample() {
        Ok(lead) => Some(lead),
        Err(e) => {
            for (field, messages) in e.0 {
                for m in messages {
                    errors.add(&field, m);
                }
            }
            None
        }
    };
    let trial = match (rule, lead) {
        (Some(mut rule), Some(lead)) => {
            rule.id = id.unwrap_or(0);
            let settings = state.settings.clone();
            let caches = state.caches.clone();
            Some(
                state
                    .db
                    .read(move |c| Ok(store::try_rule(c, &rule, &lead, &settings, &caches.routing)?))
                    .await?,
            )
        }
        _ => None,
    };
    let status = crate::web::form_status(&errors);
    let page = form_page(ctx, &state, id, form, errors, trial).await?;
    if is_partial(&req) {
        return render_status(status, &page.as_trial());
    }
    render_status(status, &page)
}

pub async fn deactivate(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    may_manage_rules(&user)?;
    let id = path.into_inner();
    let who = user.audit();
    let name = state
        .db
        .write(move |c| {
            let (rule, _) = store::find_rule(c, id)?;
            store::deactivate_rule(c, id)?;
            audit::record(
                c,
                &who,
                "routing_rule.deactivated",
                "routing_rule",
                Some(id),
                &rule.name,
            )?;
            Ok(rule.name)
        })
        .await?;
    Ok(redirect_with(
        &session,
        "/admin/routing",
        "success",
        format!("The rule “{name}” is no longer used. Past offers still show it."),
    ))
}

#[derive(serde::Deserialize)]
pub struct MoveForm {
    direction: Option<String>,
}

pub async fn move_rule(
    user: CurrentUser,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    may_manage_rules(&user)?;
    let id = path.into_inner();
    let up = match form.direction.as_deref() {
        Some("up") => true,
        Some("down") => false,
        _ => return Err(AppError::field("direction", "Move the rule up or down.")),
    };
    let who = user.audit();
    let moved = state
        .db
        .write(move |c| {
            let (rule, active) = store::find_rule(c, id)?;
            if !active {
                return Err(AppError::NotFound);
            }
            let moved = store::move_rule(c, id, up)?;
            if moved {
                let action = if up {
                    "routing_rule.moved_up"
                } else {
                    "routing_rule.moved_down"
                };
                audit::record(c, &who, action, "routing_rule", Some(id), &rule.name)?;
            }
            Ok(moved)
        })
        .await?;
    let message = if moved {
        "The order is saved."
    } else {
        "The rule is already at that end of the list."
    };
    Ok(redirect_with(&session, "/admin/routing", "success", message))
}
