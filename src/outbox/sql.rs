//! The statements both backends run, written once with PostgreSQL's `$N`
//! placeholders and rendered for SQLite as `?N` ([`for_sqlite`]). Their state
//! lists come from the state machine (`domain/transitions.rs`), never typed
//! beside it. Each is rendered once, on first use, so no call formats SQL.
//!
//! What stays in a backend is what truly differs there: intake's batched
//! insert, claims (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer
//! thread on SQLite), recording outcomes in one statement or one per lead, and
//! where the member and submission are kept (`lead_bodies` on SQLite).

use std::sync::LazyLock;

use crate::domain::LeadState;

/// One statement in both dialects.
pub(crate) struct Shared {
    postgres: String,
    sqlite: String,
}

impl Shared {
    fn new(postgres: String) -> Self {
        let sqlite = for_sqlite(&postgres);
        Self { postgres, sqlite }
    }

    /// With `$N` placeholders.
    pub(crate) fn postgres(&self) -> &str {
        &self.postgres
    }

    /// With `?N` placeholders.
    pub(crate) fn sqlite(&self) -> &str {
        &self.sqlite
    }
}

/// A statement, rendered on first use.
type Statement = LazyLock<Shared>;

/// Renders `$N` placeholders as SQLite's `?N`. SQLite would read `$1` as a
/// named parameter, numbered by first appearance rather than by its digits.
fn for_sqlite(sql: &str) -> String {
    let mut rendered = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let placeholder = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
        rendered.push(if placeholder { '?' } else { c });
    }
    rendered
}

/// `'a', 'b'`: states as an SQL list.
pub(crate) fn states(states: &[LeadState]) -> String {
    states
        .iter()
        .map(|state| format!("'{state}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The state a released claim goes back to ([`LeadState::requeued`]), by its `attempts`.
pub(crate) fn requeued() -> String {
    format!(
        "CASE WHEN attempts > 0 THEN '{}' ELSE '{}' END",
        LeadState::requeued(1),
        LeadState::requeued(0)
    )
}

/// The columns of a [`crate::outbox::LeadSummary`].
pub(crate) const SUMMARY_COLUMNS: &str = "id, form, workspace, state, email, name, attempts, \
     last_error, member_id, created_at, next_attempt_at";

/// The readiness probe's write (`$1` now): one row rewritten, so a probe adds nothing.
pub(crate) static PROBE_WRITE: Statement = LazyLock::new(|| {
    Shared::new(
        "INSERT INTO storage_probe (id, checked_at) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"
            .into(),
    )
});

/// Re-queues one retryable lead (`$1` now, `$2` its ID) with its attempts reset.
pub(crate) static RETRY: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET state = '{pending}', attempts = 0, next_attempt_at = $1, updated_at = $1
         WHERE id = $2 AND state IN ({retryable})",
        pending = LeadState::Pending,
        retryable = states(&LeadState::RETRYABLE),
    ))
});

/// Re-queues every lead in one state (`$1` now, `$2` the state), when that
/// state is one of [`LeadState::BULK_RETRYABLE`] (any other touches nothing).
pub(crate) static RETRY_STATE: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET state = '{pending}', attempts = 0, next_attempt_at = $1, updated_at = $1
         WHERE state = $2 AND state IN ({bulk_retryable})",
        pending = LeadState::Pending,
        bulk_retryable = states(&LeadState::BULK_RETRYABLE),
    ))
});

/// Moves one releasable (spam) lead to the queue (`$1` now, `$2` its ID).
pub(crate) static RELEASE: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET state = '{pending}', last_error = NULL,
            next_attempt_at = $1, updated_at = $1
         WHERE id = $2 AND state IN ({releasable})",
        pending = LeadState::Pending,
        releasable = states(&LeadState::RELEASABLE),
    ))
});

/// Moves every releasable lead whose kept reason starts with a prefix to the
/// queue (`$1` now, `$2` the prefix).
pub(crate) static RELEASE_NOTED: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET state = '{pending}', last_error = NULL,
            next_attempt_at = $1, updated_at = $1
         WHERE state IN ({releasable}) AND substr(last_error, 1, length($2)) = $2",
        pending = LeadState::Pending,
        releasable = states(&LeadState::RELEASABLE),
    ))
});

/// Replaces a remappable lead's e-mail and name and queues it afresh (`$1` the
/// e-mail, `$2` the name, `$3` now, `$4` the lead ID): a spam lead stays spam
/// ([`LeadState::remapped`]), and a held lead's reason for being held is
/// dropped. The member is set beside it: in the same row on PostgreSQL
/// ([`REPLACE_MEMBER`]), in `lead_bodies` on SQLite.
pub(crate) static REPLACE_LEAD: Statement = LazyLock::new(|| Shared::new(replace_lead("")));

/// [`REPLACE_LEAD`] that also sets the row's `member` (`$5`).
pub(crate) static REPLACE_MEMBER: Statement =
    LazyLock::new(|| Shared::new(replace_lead(", member = $5")));

fn replace_lead(also_set: &str) -> String {
    format!(
        "UPDATE leads SET email = $1, name = $2,
            state = CASE WHEN state = '{spam}' THEN '{spam}' ELSE '{pending}' END,
            last_error = CASE WHEN state = '{held}' THEN NULL ELSE last_error END,
            attempts = 0, next_attempt_at = $3, updated_at = $3{also_set}
         WHERE id = $4 AND state IN ({remappable})",
        spam = LeadState::Spam,
        pending = LeadState::Pending,
        held = LeadState::Held,
        remappable = states(&LeadState::REMAPPABLE),
    )
}

/// Extends the lease of every lead a worker holds (`$1` the new end, `$2` the worker).
pub(crate) static RENEW: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET lease_until = $1 WHERE state = '{delivering}' AND claimed_by = $2",
        delivering = LeadState::Delivering,
    ))
});

/// Returns claimed leads to the queue without spending an attempt (`$1` when
/// due, `$2` now, `$3` the IDs as `ids_match` takes them, `$4` the worker,
/// `$5` the reason to keep as last error, if any).
pub(crate) fn unclaim(ids_match: &str) -> Shared {
    Shared::new(format!(
        "UPDATE leads SET state = {requeued},
            claimed_by = NULL, lease_until = NULL, next_attempt_at = $1, updated_at = $2,
            last_error = COALESCE($5, last_error)
         WHERE {ids_match} AND state = '{delivering}' AND claimed_by = $4",
        requeued = requeued(),
        delivering = LeadState::Delivering,
    ))
}

/// When the next lead is due or the next lease expires (unix ms).
pub(crate) static NEXT_DUE: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "SELECT MIN(t) FROM (
            SELECT MIN(next_attempt_at) AS t FROM leads WHERE state IN ({claimable})
            UNION ALL SELECT MIN(lease_until) FROM leads WHERE state = '{delivering}') AS due",
        claimable = states(&LeadState::CLAIMABLE),
        delivering = LeadState::Delivering,
    ))
});

/// Makes pending leads scheduled later due now (`$1`). A pending lead is only
/// ever postponed by a paused or capped workspace gate (never by a failed
/// attempt), and a starting process begins with its gates open.
pub(crate) static REOPEN_POSTPONED: Statement = LazyLock::new(|| {
    Shared::new(format!(
        "UPDATE leads SET next_attempt_at = $1 WHERE state = '{pending}' AND next_attempt_at > $1",
        pending = LeadState::Pending,
    ))
});

/// The lead stored under a form's idempotency key (`$1` form, `$2` key).
pub(crate) static FIND_KEY: Statement = LazyLock::new(|| {
    Shared::new("SELECT id FROM leads WHERE form = $1 AND idempotency_key = $2".into())
});

/// A lead's attempts, oldest first (`$1` its ID).
pub(crate) static ATTEMPTS_OF: Statement = LazyLock::new(|| {
    Shared::new(
        "SELECT at, status, excerpt, duration_ms FROM attempts WHERE lead_id = $1 ORDER BY id"
            .into(),
    )
});

/// Lead counts by state.
pub(crate) const COUNT_BY_STATE: &str = "SELECT state, COUNT(*) AS n FROM leads GROUP BY state";

/// Removes the attempts of every lead of an e-mail address (`$1`).
pub(crate) static ERASE_ATTEMPTS: Statement = LazyLock::new(|| {
    Shared::new(
        "DELETE FROM attempts WHERE lead_id IN (SELECT id FROM leads WHERE email = $1)".into(),
    )
});

/// Removes every lead of an e-mail address (`$1`).
pub(crate) static ERASE_LEADS: Statement =
    LazyLock::new(|| Shared::new("DELETE FROM leads WHERE email = $1".into()));

/// Adds one funnel count (`$1` form, `$2` day, `$3` step, `$4` how many).
pub(crate) static FUNNEL_ADD: Statement = LazyLock::new(|| {
    Shared::new(
        "INSERT INTO form_funnel (form, day, step, count) VALUES ($1, $2, $3, $4)
         ON CONFLICT (form, day, step) DO UPDATE SET count = form_funnel.count + excluded.count"
            .into(),
    )
});

/// Reads the funnel's counts from a day on (`$1`).
pub(crate) static FUNNEL_READ: Statement = LazyLock::new(|| {
    Shared::new(
        "SELECT form, day, step, count FROM form_funnel WHERE day >= $1 ORDER BY form, day, step"
            .into(),
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_numbers() {
        assert_eq!(
            for_sqlite("UPDATE t SET a = $1, b = $12 WHERE c = $2"),
            "UPDATE t SET a = ?1, b = ?12 WHERE c = ?2"
        );
        assert_eq!(for_sqlite("SELECT '$' || x, $"), "SELECT '$' || x, $");
        assert_eq!(for_sqlite("é = $3"), "é = ?3");
    }

    #[test]
    fn state_lists_come_from_the_state_machine() {
        assert!(RETRY
            .postgres()
            .contains("state IN ('dead', 'retrying', 'pending')"));
        assert!(RETRY.sqlite().contains("WHERE id = ?2 AND state IN"));
        assert!(RELEASE.sqlite().contains("state IN ('spam')"));
        assert_eq!(
            requeued(),
            "CASE WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END"
        );
        assert!(REPLACE_MEMBER
            .postgres()
            .contains("state IN ('pending', 'retrying', 'dead', 'spam', 'held')"));
    }

    #[test]
    fn no_placeholder_is_left_for_sqlite() {
        for statement in [
            &RETRY,
            &RELEASE_NOTED,
            &REPLACE_MEMBER,
            &NEXT_DUE,
            &FUNNEL_ADD,
        ] {
            assert!(!statement.sqlite().contains('$'), "{}", statement.sqlite());
        }
    }
}
