//! Building and running the application: storage, worker, router, listener,
//! and a graceful shutdown on one cancellation token.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::{
    clock::Clock,
    config::Settings,
    delivery::Worker,
    funnel::Funnel,
    intake::{Pipeline, PipelineParts},
    outbox::{self, Outbox},
    routes, telemetry,
};

mod serve;

/// What every request handler shares.
pub struct AppState {
    /// The configuration.
    pub settings: Arc<Settings>,
    /// Lead storage.
    pub outbox: Arc<dyn Outbox>,
    /// Wakes the delivery worker when a lead is stored.
    pub wake: Arc<Notify>,
    /// The intake service: a submission to a stored lead.
    pub intake: Pipeline,
    /// The Prometheus registry.
    pub(crate) metrics: PrometheusHandle,
    /// Per-IP limiter for the funnel's page reports (`/funnel/{form}`).
    pub(crate) funnel_limiter: crate::intake::RateLimiter,
    /// The form funnel's counts.
    pub(crate) funnel: Arc<Funnel>,
}

impl AppState {
    /// Whether new submissions are taken (false once shutdown has begun).
    pub(crate) fn is_accepting(&self) -> bool {
        self.intake.is_accepting()
    }
}

/// Options for [`Application::build_with`].
#[derive(Default)]
pub struct BuildOptions {
    /// Extra routes merged into the router (the demo page and sandbox).
    pub extra_routes: Option<Router>,
    /// Use this store instead of opening `storage.url` (tests inject faults through it).
    pub outbox: Option<Arc<dyn Outbox>>,
    /// The time intake reads (unit tests hand in a hand-moved one); the system's by default.
    pub clock: Clock,
}

/// A built, bound, not yet running application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: Arc<AppState>,
    shutdown: CancellationToken,
    worker: Worker,
}

impl Application {
    /// Builds the application as `serve` runs it.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, BuildOptions::default()).await
    }

    /// Builds the application: opens storage, binds the listener (port 0 picks one).
    pub async fn build_with(settings: Settings, options: BuildOptions) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let outbox = match options.outbox {
            Some(outbox) => outbox,
            None => outbox::open_with_clock(&settings.storage, options.clock.clone()).await?,
        };
        let wake = Arc::new(Notify::new());
        let shutdown = CancellationToken::new();
        let funnel = Arc::new(Funnel::new(outbox.clone()));
        let worker = Worker::new(
            &settings,
            outbox.clone(),
            wake.clone(),
            shutdown.child_token(),
            funnel.clone(),
            options.clock.clone(),
        )?;
        let intake = Pipeline::new(PipelineParts {
            settings: settings.clone(),
            outbox: outbox.clone().intake(),
            wake: wake.clone(),
            funnel: funnel.clone(),
            clients: worker.clients(),
            clock: options.clock.clone(),
        });
        let state = Arc::new(AppState {
            funnel_limiter: crate::intake::RateLimiter::new(
                settings.server.funnel_rate_limit_per_minute,
            ),
            funnel,
            settings: settings.clone(),
            outbox,
            wake,
            intake,
            metrics: telemetry::metrics_handle().clone(),
        });
        crate::intake::captcha::count_from_zero(settings.forms.iter().filter_map(
            |(name, form)| Some((name.as_str(), form.captcha.as_ref()?.provider.as_str())),
        ));

        let router = routes::router(state.clone(), options.extra_routes);
        let listener = TcpListener::bind(&settings.server.listen)
            .await
            .with_context(|| {
                format!(
                    "failed to listen on {} (server.listen)",
                    settings.server.listen
                )
            })?;
        Ok(Self {
            listener,
            router,
            state,
            shutdown,
            worker,
        })
    }

    /// The bound address.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Cancel this token to stop the application gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// The shared state (tests and the demo read storage through it).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until the shutdown token is cancelled, then drains: new submissions
    /// get 503, requests in flight finish, the worker finishes its batch, storage
    /// closes; all bounded by `server.shutdown_timeout_secs`.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            state,
            shutdown,
            worker,
        } = self;
        let worker_task: JoinHandle<()> = tokio::spawn(worker.run());
        tokio::spawn(telemetry::run_metrics_upkeep(shutdown.clone()));
        tokio::spawn(state.funnel.clone().run_flusher(shutdown.clone()));
        let stop_serving = CancellationToken::new();
        let served = tokio::spawn(serve::serve(
            listener,
            router,
            Duration::from_secs(state.settings.server.header_read_timeout_secs),
            stop_serving.clone(),
        ));
        shutdown.cancelled().await;
        state.intake.stop_accepting();
        tracing::info!("shutting down: no new submissions, finishing requests in flight");
        stop_serving.cancel();
        let limit = Duration::from_secs(state.settings.server.shutdown_timeout_secs);
        let drained = tokio::time::timeout(limit, async {
            let served = served.await;
            let _ = worker_task.await;
            if let Err(error) = state.funnel.flush().await {
                tracing::warn!(error = %error.0, "funnel counts of the last seconds not stored");
            }
            state.outbox.close().await;
            served
        })
        .await;
        match drained {
            Ok(Ok(())) => Ok(()),
            Ok(Err(join)) => Err(anyhow::anyhow!("the HTTP server panicked: {join}")),
            Err(_) => {
                tracing::warn!(
                    timeout_secs = limit.as_secs(),
                    "shutdown timed out; stopping anyway"
                );
                Ok(())
            }
        }
    }
}

/// Resolves when SIGINT or SIGTERM arrives.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
