//! Helpers for storage tests: a fresh store per test on SQLite (temp dir) or
//! PostgreSQL (a new `leadrelay_test_<random>` database, when
//! `LEADRELAY_TEST_POSTGRES_URL` names a server), and lead builders.

use std::{
    io::Write,
    sync::{Arc, Once},
    time::Duration,
};

use leadrelay::{
    clock::Clock,
    clock::ManualClock,
    config::StorageSettings,
    domain::{LeadId, LeadState},
    outbox::{self, AttemptRecord, DeliveryOutcome, NewLead, Outbox},
};
use sqlx::{Connection, Executor, PgConnection};

/// Names the PostgreSQL server for tests, e.g. `postgres://postgres@127.0.0.1:5432`.
pub const POSTGRES_URL_VAR: &str = "LEADRELAY_TEST_POSTGRES_URL";

/// A store for one test, removed when dropped.
pub struct TestStore {
    /// The store under test.
    pub outbox: Arc<dyn Outbox>,
    /// How to open another instance on the same data (another replica).
    pub settings: StorageSettings,
    _place: Place,
}

/// Where the data lives; held only to be removed when dropped.
enum Place {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { _database: TestDatabase },
}

impl TestStore {
    /// A store on a fresh SQLite file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("failed to create a temp dir");
        let settings = settings(format!(
            "sqlite://{}",
            dir.path().join("leads.db").display()
        ));
        let outbox = outbox::open(&settings)
            .await
            .expect("failed to open SQLite storage");
        Self {
            outbox,
            settings,
            _place: Place::Sqlite { _dir: dir },
        }
    }

    /// A store on a fresh PostgreSQL database, or `None` (with a note on stderr)
    /// when `LEADRELAY_TEST_POSTGRES_URL` is unset.
    pub async fn postgres() -> Option<Self> {
        let database = TestDatabase::create().await?;
        let settings = settings(database.url());
        let outbox = outbox::open(&settings)
            .await
            .expect("failed to open PostgreSQL storage");
        Some(Self {
            outbox,
            settings,
            _place: Place::Postgres {
                _database: database,
            },
        })
    }

    /// Opens another instance on the same data whose time is `clock`'s, so a
    /// test moves time instead of sleeping.
    pub async fn open_with_clock(&self, clock: &ManualClock) -> Arc<dyn Outbox> {
        outbox::open_with_clock(&self.settings, clock.clock())
            .await
            .expect("failed to open a clocked instance")
    }

    /// Opens another instance on the same data, as a second replica would.
    pub async fn open_replica(&self) -> Arc<dyn Outbox> {
        outbox::open(&self.settings)
            .await
            .expect("failed to open a replica")
    }
}

/// Storage settings for `url`, with a small pool like a modest deployment.
pub fn settings(url: String) -> StorageSettings {
    StorageSettings {
        url,
        pool_size: 4,
        ..StorageSettings::default()
    }
}

/// A fresh PostgreSQL database, dropped (best effort) with this value.
pub struct TestDatabase {
    server: String,
    name: String,
}

impl TestDatabase {
    /// Creates `leadrelay_test_<random>` through the server's `postgres`
    /// database; `None`, with a visible note, when no server is configured.
    pub async fn create() -> Option<Self> {
        let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
            // CI must run these: a missing server there is a failure, not a skip.
            assert!(
                std::env::var_os("CI").is_none(),
                "{POSTGRES_URL_VAR} is not set, and CI must run the PostgreSQL tests"
            );
            note_postgres_skipped();
            return None;
        };
        let server = server.trim_end_matches('/').to_owned();
        let name = format!("leadrelay_test_{}", uuid_suffix());
        let mut maintenance = PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("failed to connect to the test PostgreSQL server");
        maintenance
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("failed to create a test database");
        let _ = maintenance.close().await;
        Some(Self { server, name })
    }

    /// The URL of this database.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let maintenance = format!("{}/postgres", self.server);
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, so the clean-up gets a thread and runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&maintenance).await.ok()?;
                let dropped = connection.execute(statement.as_str()).await;
                let _ = connection.close().await;
                dropped.ok()
            })
        });
        if cleanup.join().ok().flatten().is_none() {
            eprintln!("note: failed to drop test database {}", self.name);
        }
    }
}

/// Says once per test binary, past libtest's output capture (which only
/// takes `eprintln!`), that the PostgreSQL half did not run.
fn note_postgres_skipped() {
    static NOTE: Once = Once::new();
    NOTE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "note: {POSTGRES_URL_VAR} unset: PostgreSQL storage tests skipped"
        );
    });
}

fn uuid_suffix() -> String {
    LeadId::new().to_string().replace('-', "")
}

/// A pending lead for `email` with content of its own (no dedupe match).
pub fn lead(email: &str) -> NewLead {
    NewLead {
        id: LeadId::new(),
        form: "contact".into(),
        workspace: "default".into(),
        state: LeadState::Pending,
        email: email.to_lowercase(),
        name: "Jane Doe".into(),
        member: raw(serde_json::json!({ "email": email, "firstName": "Jane", "lastName": "Doe" })),
        submission: raw(serde_json::json!({ "fields": [["email", email]], "ip": "203.0.113.7" })),
        idempotency_key: None,
        dedupe_hash: format!("hash-{}", uuid_suffix()),
        dedupe_since_ms: now_ms() - 600_000,
        reason: None,
    }
}

/// JSON text as `NewLead` holds it.
pub fn raw(value: serde_json::Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(&value).expect("JSON serializes")
}

/// The JSON value of a `NewLead`'s text, as reads return it.
pub fn value(raw: &serde_json::value::RawValue) -> serde_json::Value {
    serde_json::from_str(raw.get()).expect("stored JSON parses")
}

/// `count` leads with distinct e-mail addresses.
pub fn leads(count: usize) -> Vec<NewLead> {
    (0..count)
        .map(|n| lead(&format!("person{n}@example.com")))
        .collect()
}

/// Stores each lead; returns their IDs in order.
pub async fn enqueue_all(outbox: &dyn Outbox, leads: Vec<NewLead>) -> Vec<LeadId> {
    let mut ids = Vec::with_capacity(leads.len());
    for lead in leads {
        ids.push(outbox.enqueue(lead).await.expect("enqueue failed").id);
    }
    ids
}

/// An outcome for `id` with an attempt that answered `status`.
pub fn outcome(id: LeadId, state: LeadState, status: Option<u16>) -> DeliveryOutcome {
    DeliveryOutcome {
        id,
        form: "contact".into(),
        state,
        member_id: None,
        next_attempt_at_ms: None,
        error: None,
        attempt: AttemptRecord {
            at_ms: now_ms(),
            status,
            excerpt: format!("answered {status:?}"),
            duration_ms: 12,
        },
    }
}

/// Claims until nothing is due, recording each batch as delivered; returns what was claimed.
pub async fn drain(
    outbox: &dyn Outbox,
    worker: &str,
    batch: usize,
    lease: Duration,
) -> Vec<LeadId> {
    let mut claimed = Vec::new();
    loop {
        let leads = outbox
            .claim_due(worker, batch, lease)
            .await
            .expect("claim failed");
        if leads.is_empty() {
            return claimed;
        }
        let ids: Vec<LeadId> = leads.iter().map(|lead| lead.id).collect();
        let outcomes = ids
            .iter()
            .map(|id| outcome(*id, LeadState::Delivered, Some(201)))
            .collect();
        outbox
            .record(worker, outcomes)
            .await
            .expect("record failed");
        claimed.extend(ids);
    }
}

/// The stored state of a lead.
pub async fn state_of(outbox: &dyn Outbox, id: LeadId) -> LeadState {
    outbox
        .get(id)
        .await
        .expect("get failed")
        .expect("lead missing")
        .summary
        .state
}

/// How many leads are in `state`.
pub async fn count_in(outbox: &dyn Outbox, state: LeadState) -> u64 {
    outbox
        .count_by_state()
        .await
        .expect("count failed")
        .into_iter()
        .find(|(s, _)| *s == state)
        .map_or(0, |(_, n)| n)
}

/// Milliseconds since the Unix epoch, by the system's clock: the tests stamp
/// the leads and outcomes they store by hand.
pub fn now_ms() -> i64 {
    Clock::system().now_ms()
}
