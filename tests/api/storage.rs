//! One storage test suite, run against both backends: every test in `storage_cases` runs
//! as `sqlite::NAME` and as `postgres::NAME` (the latter only when
//! `LEADRELAY_TEST_POSTGRES_URL` is set), each on a fresh store.

use crate::storage_cases;

use crate::helpers::storage::TestStore;
use storage_cases::{admin::*, intake::*, operate::*, queue::*};

/// Generates `sqlite::NAME` and `postgres::NAME` tests for each shared test function.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = super::TestStore::sqlite().await;
                    super::$name(&store).await;
                    store.outbox.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(store) = super::TestStore::postgres().await else { return };
                    super::$name(&store).await;
                    store.outbox.close().await;
                }
            )*
        }
    };
}

on_both_backends!(
    enqueue_then_get_round_trips,
    idempotency_key_answers_with_the_first_lead,
    concurrent_enqueues_of_one_key_store_one_lead,
    dedupe_window_survives_a_reopen_and_forgets_erased_leads,
    dedupe_window_answers_with_the_first_lead,
    claim_due_respects_due_time_and_lease,
    concurrent_claimers_get_disjoint_leads,
    expired_lease_is_reclaimable,
    record_stores_outcomes_and_attempt_log,
    record_after_erase_keeps_the_rest_of_the_batch,
    unclaim_spends_no_attempt,
    defer_stores_why_leads_wait_and_spends_no_attempt,
    renew_extends_only_the_workers_own_claims,
    retry_and_retry_state_requeue_leads,
    release_moves_spam_to_the_queue,
    release_noted_moves_only_spam_kept_for_that_reason,
    replace_member_requeues_with_the_new_member,
    erase_email_removes_leads_and_attempts,
    purge_submissions_drops_only_delivered_submissions,
    count_by_state_counts_every_state,
    next_due_at_reports_the_earliest_due_time,
    list_filters_and_orders_newest_first,
    concurrent_enqueues_are_all_stored,
    recover_abandoned_follows_the_backend_policy,
    a_failed_batch_stores_nothing_and_storage_goes_on,
    claims_take_the_earliest_due_across_states,
    a_late_outcome_never_overwrites_the_new_claimant,
    list_searches_names_and_emails_and_filters_by_date,
    test_leads_are_never_claimed_retried_or_released,
    funnel_counts_add_up_per_form_day_and_step,
);
