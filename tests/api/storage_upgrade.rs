//! A database made before leads had a name column and the funnel its table:
//! opening it applies the newer migrations, fills in the names of the leads it
//! holds from their members, and the funnel works. On both backends.

use std::path::Path;

use crate::helpers::storage::{settings, TestDatabase};
use leadrelay::{domain::LeadState, outbox, outbox::FunnelCount};
use sqlx::{migrate::Migrator, Executor};

/// Copies the backend's migrations numbered below `first_new` into `into`.
fn older_migrations(backend: &str, first_new: u32, into: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let version: u32 = name.split('_').next().unwrap().parse().unwrap();
        if version < first_new {
            std::fs::copy(&path, into.join(name)).unwrap();
        }
    }
}

const OLD_LEADS: &str = "INSERT INTO leads (id, form, workspace, state, email, member, submission,
        dedupe_hash, attempts, next_attempt_at, created_at, updated_at) VALUES
    ('01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5c', 'contact', 'default', 'delivered', 'ann@example.com',
     '{\"firstName\":\"Ann\",\"lastName\":\"Lee\",\"email\":\"ann@example.com\"}', NULL, 'h1', 1, 1, 1, 1),
    ('01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5d', 'contact', 'default', 'spam', '',
     'null', NULL, 'h2', 0, 2, 2, 2)";

async fn names_are_filled_in(url: String) {
    let store = outbox::open(&settings(url))
        .await
        .expect("the old database opens");
    let ann = store
        .get("01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5c".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let spam = store
        .get("01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5d".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.summary.name, "Ann Lee");
    assert_eq!(spam.summary.name, "", "a lead without a member has no name");
    assert_eq!(spam.summary.state, LeadState::Spam);
    let count = FunnelCount {
        form: "contact".into(),
        day: "2026-01-01".into(),
        step: "views".into(),
        count: 2,
    };
    store
        .add_funnel_counts(std::slice::from_ref(&count))
        .await
        .unwrap();
    assert_eq!(store.funnel_counts("2026-01-01").await.unwrap(), [count]);
    store.close().await;
}

#[tokio::test]
async fn an_older_sqlite_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    older_migrations("sqlite", 5, &migrations);
    let url = format!("sqlite://{}/leads.db?mode=rwc", dir.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    Migrator::new(migrations.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool.execute(OLD_LEADS).await.unwrap();
    pool.close().await;

    names_are_filled_in(format!("sqlite://{}/leads.db", dir.path().display())).await;
}

#[tokio::test]
async fn an_older_postgres_database_is_upgraded_in_place() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    older_migrations("postgres", 4, dir.path());
    let pool = sqlx::PgPool::connect(&database.url()).await.unwrap();
    Migrator::new(dir.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool.execute(OLD_LEADS).await.unwrap();
    pool.close().await;

    names_are_filled_in(database.url()).await;
}
