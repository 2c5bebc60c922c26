//! Helpers for tests of the writer's statements, and the SQLite schema's migrations.

use rusqlite::Connection;
use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};

use super::MIGRATOR;

fn options(dir: &tempfile::TempDir) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(dir.path().join("leads.db"))
        .create_if_missing(true)
}

/// A migrated database in `dir`, and a connection to it.
pub(super) async fn migrated(dir: &tempfile::TempDir) -> Connection {
    super::migrate(options(dir)).await.unwrap();
    Connection::open(dir.path().join("leads.db")).unwrap()
}

#[tokio::test]
async fn leads_stored_before_their_bodies_moved_keep_member_and_submission() {
    let dir = tempfile::tempdir().unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options(&dir))
        .await
        .unwrap();
    let before_bodies = Migrator {
        migrations: MIGRATOR
            .migrations
            .iter()
            .filter(|migration| migration.version < 6)
            .cloned()
            .collect(),
        ..Migrator::DEFAULT
    };
    before_bodies.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO leads (id, form, workspace, state, email, member, submission, dedupe_hash,
            next_attempt_at, created_at, updated_at)
         VALUES ('0190c5a4-0000-7000-8000-000000000001', 'contact', 'default', 'pending',
            'ada@example.com', '{\"email\":\"ada@example.com\"}', '{\"fields\":[]}', 'h', 1, 1, 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let connection = migrated(&dir).await;

    let (member, submission): (String, String) = connection
        .query_row(
            "SELECT member, submission FROM lead_bodies
             WHERE id = '0190c5a4-0000-7000-8000-000000000001'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(member, r#"{"email":"ada@example.com"}"#);
    assert_eq!(submission, r#"{"fields":[]}"#);
    let columns: i64 = connection
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('leads') WHERE name IN ('member', 'submission')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        columns, 0,
        "the rows delivery rewrites no longer carry the bodies"
    );
}
