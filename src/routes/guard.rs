//! The request's time limit and a panic caught around every handler, both
//! answered like any other error: in the JSON shape (or a submission form's
//! `error_redirect`), with the form's CORS headers, inside the request-ID and
//! tracing layers so the reply and its log line carry the request's ID.

use std::{any::Any, panic::AssertUnwindSafe, sync::Arc, time::Duration};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures::FutureExt;

use super::forms;
use crate::{error::ApiError, startup::AppState};

/// Runs the handler within `server.request_timeout_secs` and catches its panic.
/// A timeout answers 503 + `Retry-After` (the sender should retry: nothing is
/// known to be stored); a panic answers 500, is logged, and the process goes on.
pub(crate) async fn contain_failures(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let limit = Duration::from_secs(app.settings.server.request_timeout_secs);
    let asked = Asked::of(&request);
    let handled = AssertUnwindSafe(next.run(request)).catch_unwind();
    let error = match tokio::time::timeout(limit, handled).await {
        Ok(Ok(response)) => return response,
        Ok(Err(panic)) => ApiError::Internal(anyhow::anyhow!(
            "a request handler panicked: {}",
            panic_message(panic.as_ref())
        )),
        Err(_) => {
            tracing::warn!(
                timeout_secs = limit.as_secs(),
                "request timed out; answered 503"
            );
            ApiError::Unavailable("the request took too long; retry shortly".into())
        }
    };
    asked.answer(&app, error)
}

/// What a failed request's reply depends on, kept before the handler takes the request.
struct Asked {
    submission: Option<(forms::Door, String)>,
    headers: HeaderMap,
}

impl Asked {
    fn of(request: &Request) -> Self {
        let submission = (request.method() == Method::POST)
            .then(|| forms::door_of(request.uri().path()))
            .flatten()
            .map(|(door, form)| (door, form.to_owned()));
        Self {
            headers: if submission.is_some() {
                request.headers().clone()
            } else {
                HeaderMap::new()
            },
            submission,
        }
    }

    fn answer(self, app: &AppState, error: ApiError) -> Response {
        match self.submission {
            Some((door, form)) => forms::refused(app, door, &form, &self.headers, error),
            None => error.into_response(),
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
