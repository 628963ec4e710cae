//! The notifications page, opening one, marking all read, and the live event stream.

use std::time::{Duration, Instant};

use actix_session::Session;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use askama::Template;
use tokio::sync::broadcast::error::RecvError;

use super::model::{self, NotificationRow};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::context::PageCtx;
use crate::web::{redirect_with, render, see_other, AppState};

const PER_PAGE: i64 = 50;
/// A stream is closed after this long and the browser reconnects (EventSource does so itself);
/// this keeps a server's shutdown from waiting on streams that never end.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);
const KEEP_ALIVE: Duration = Duration::from_secs(20);

#[derive(serde::Deserialize)]
pub struct PageQuery {
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "notifications/index.html")]
struct NotificationsPage {
    ctx: PageCtx,
    rows: Vec<NotificationRow>,
    next_url: Option<String>,
    unread: i64,
}

pub async fn index(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (uid, before) = (user.id, query.before);
    let ((rows, more), unread) = state
        .db
        .read(move |c| Ok((model::page_of(c, uid, before, PER_PAGE)?, model::unread_count(c, uid)?)))
        .await?;
    let next_url = more
        .then(|| rows.last().map(|r| format!("/notifications?before={}", r.id)))
        .flatten();
    render(&NotificationsPage {
        ctx,
        rows,
        next_url,
        unread,
    })
}

/// Opens a notification: marks it read and goes where it points.
pub async fn open(user: CurrentUser, state: web::Data<AppState>, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let (uid, id) = (user.id, path.into_inner());
    let link = state.db.write(move |c| Ok(model::mark_read(c, uid, id)?)).await?;
    match link {
        // Only paths of this site; a stored link is never an open redirect.
        Some(l) if l.starts_with('/') && !l.starts_with("//") => Ok(see_other(&l)),
        Some(_) => Ok(see_other("/notifications")),
        None => Err(AppError::NotFound),
    }
}

pub async fn read_all(session: Session, user: CurrentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let uid = user.id;
    let n = state.db.write(move |c| Ok(model::mark_all_read(c, uid)?)).await?;
    let message = match n {
        0 => "There was nothing unread.".to_string(),
        1 => "1 notification marked as read.".to_string(),
        n => format!("{n} notifications marked as read."),
    };
    Ok(redirect_with(&session, "/notifications", "success", message))
}

fn frame(event: &str, data: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// Server-sent events for the signed-in person: `notice` with `{kind, unread}` whenever a
/// notification for them is written on any server.
pub async fn events(user: CurrentUser, state: web::Data<AppState>) -> HttpResponse {
    let rx = state.events.subscribe();
    let db = state.db.clone();
    let (uid, sid) = (user.id, user.session_id);
    let started = Instant::now();
    // The first frame carries the unread count, so a page that comes back from the browser's
    // back/forward cache (and opens its stream again) shows the count as it is now.
    let unread = state
        .db
        .read(move |c| Ok(model::unread_count(c, uid)?))
        .await
        .unwrap_or_default();
    let mut hello = b"retry: 3000\n".to_vec();
    hello.extend_from_slice(&frame("unread", &serde_json::json!({ "unread": unread })));
    let hello = Bytes::from(hello);
    let counted = crate::web::metrics::OpenStream::new(&state.metrics.event_streams);
    let stream = futures_util::stream::unfold((Some(hello), rx, db), move |(mut first, mut rx, db)| async move {
        if let Some(h) = first.take() {
            return Some((Ok::<Bytes, actix_web::Error>(h), (None, rx, db)));
        }
        loop {
            let left = STREAM_LIFETIME.checked_sub(started.elapsed())?;
            match tokio::time::timeout(left.min(KEEP_ALIVE), rx.recv()).await {
                Err(_) if left <= KEEP_ALIVE => return None,
                Err(_) => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), (None, rx, db))),
                Ok(Ok(n)) if n.user_id == uid => {
                    // A session that was ended (signed out elsewhere) hears nothing more.
                    let (open, unread) = db
                        .read(move |c| {
                            Ok((
                                crate::auth::model::session_is_open(c, sid)?,
                                model::unread_count(c, uid)?,
                            ))
                        })
                        .await
                        .unwrap_or_default();
                    if !open {
                        return None;
                    }
                    let data = serde_json::json!({ "kind": n.kind, "unread": unread });
                    return Some((Ok(frame("notice", &data)), (None, rx, db)));
                }
                Ok(Ok(_)) => continue,
                // Missed some: tell the page to refresh what it shows.
                Ok(Err(RecvError::Lagged(_))) => {
                    let data = serde_json::json!({ "kind": "refresh" });
                    return Some((Ok(frame("notice", &data)), (None, rx, db)));
                }
                Ok(Err(RecvError::Closed)) => return None,
            }
        }
    });
    // The stream holds the gauge's count until actix drops it (the browser went away).
    let stream = futures_util::StreamExt::map(stream, move |frame| {
        let _ = &counted;
        frame
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream)
}
