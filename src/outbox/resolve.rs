//! How a batch of new leads is answered, the same on every backend: each lead,
//! in arrival order, is answered by an earlier lead with its idempotency key
//! (stored, or earlier in the batch), else by one with its dedupe hash inside
//! its window (stored, or earlier in the batch), else it is stored. What is
//! already stored comes from the backend through [`Earlier`].

use std::collections::HashMap;

use super::{Enqueued, NewLead, StorageError, StorageResult};
use crate::domain::LeadId;

/// What the store already holds that a batch's leads may repeat.
pub(crate) trait Earlier {
    /// The stored lead with `lead`'s idempotency key (in its form), if any.
    fn with_key(&self, lead: &NewLead) -> Option<LeadId>;

    /// The first stored lead with `lead`'s dedupe hash inside its window;
    /// `index` is `lead`'s place in the batch.
    fn with_hash(&self, index: usize, lead: &NewLead) -> Option<LeadId>;
}

/// How one lead of a batch is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// An already stored lead answers for it.
    Existing(LeadId),
    /// An earlier lead of the same batch (by index) answers for it.
    SameAs(usize),
    /// It is stored as a new lead.
    Insert,
}

/// Each lead's answer, in order.
pub(crate) fn resolve(leads: &[NewLead], earlier: &impl Earlier) -> Vec<Resolution> {
    let mut batch_keys: HashMap<(&str, &str), usize> = HashMap::new();
    let mut batch_hashes: HashMap<&str, usize> = HashMap::new();
    let mut resolutions = Vec::with_capacity(leads.len());
    for (index, lead) in leads.iter().enumerate() {
        let key = lead
            .idempotency_key
            .as_deref()
            .map(|key| (lead.form.as_str(), key));
        let resolution = if let Some(id) = key.and_then(|_| earlier.with_key(lead)) {
            Resolution::Existing(id)
        } else if let Some(first) = key.and_then(|key| batch_keys.get(&key)) {
            Resolution::SameAs(*first)
        } else if let Some(id) = earlier.with_hash(index, lead) {
            Resolution::Existing(id)
        } else if let Some(first) = batch_hashes.get(lead.dedupe_hash.as_str()) {
            Resolution::SameAs(*first)
        } else {
            if let Some(key) = key {
                batch_keys.insert(key, index);
            }
            batch_hashes.insert(lead.dedupe_hash.as_str(), index);
            Resolution::Insert
        };
        resolutions.push(resolution);
    }
    resolutions
}

/// The leads to store.
pub(crate) fn to_insert<'a>(leads: &'a [NewLead], resolutions: &[Resolution]) -> Vec<&'a NewLead> {
    leads
        .iter()
        .zip(resolutions)
        .filter(|(_, resolution)| **resolution == Resolution::Insert)
        .map(|(lead, _)| lead)
        .collect()
}

/// The reply to each lead, once every resolution is final.
pub(crate) fn answers(
    leads: &[NewLead],
    resolutions: &[Resolution],
) -> StorageResult<Vec<Enqueued>> {
    let final_id = |index: usize| match resolutions.get(index) {
        Some(Resolution::Existing(id)) => Some(*id),
        Some(Resolution::Insert) => leads.get(index).map(|lead| lead.id),
        Some(Resolution::SameAs(_)) | None => None,
    };
    resolutions
        .iter()
        .enumerate()
        .map(|(index, resolution)| {
            let (id, created) = match resolution {
                Resolution::Existing(id) => (Some(*id), false),
                Resolution::Insert => (final_id(index), true),
                Resolution::SameAs(first) => (final_id(*first), false),
            };
            let id = id.ok_or_else(|| {
                StorageError(anyhow::anyhow!("lead {index} of a batch has no answer"))
            })?;
            Ok(Enqueued { id, created })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LeadState;

    /// A store holding leads by key and by hash.
    #[derive(Default)]
    struct Stored {
        keys: HashMap<&'static str, LeadId>,
        hashes: HashMap<&'static str, LeadId>,
    }

    impl Earlier for Stored {
        fn with_key(&self, lead: &NewLead) -> Option<LeadId> {
            self.keys.get(lead.idempotency_key.as_deref()?).copied()
        }

        fn with_hash(&self, _: usize, lead: &NewLead) -> Option<LeadId> {
            self.hashes.get(lead.dedupe_hash.as_str()).copied()
        }
    }

    fn lead(key: Option<&str>, hash: &str) -> NewLead {
        NewLead {
            id: LeadId::new(),
            form: "contact".into(),
            workspace: "default".into(),
            state: LeadState::Pending,
            email: "jane@example.com".into(),
            name: String::new(),
            member: serde_json::value::to_raw_value(&serde_json::json!({})).unwrap(),
            submission: serde_json::value::to_raw_value(&serde_json::json!({})).unwrap(),
            idempotency_key: key.map(str::to_owned),
            dedupe_hash: hash.into(),
            dedupe_since_ms: 0,
            reason: None,
        }
    }

    #[test]
    fn later_leads_of_a_batch_answer_with_the_first_of_their_key_or_hash() {
        let leads = [
            lead(Some("k"), "a"),
            lead(Some("k"), "b"),
            lead(None, "a"),
            lead(None, "c"),
        ];
        let resolutions = resolve(&leads, &Stored::default());
        assert_eq!(
            resolutions,
            [
                Resolution::Insert,
                Resolution::SameAs(0),
                Resolution::SameAs(0),
                Resolution::Insert
            ]
        );
        assert_eq!(to_insert(&leads, &resolutions).len(), 2);
    }

    #[test]
    fn stored_keys_win_over_the_dedupe_window() {
        let (stored, other) = (LeadId::new(), LeadId::new());
        let leads = [lead(Some("k"), "a")];
        let earlier = Stored {
            keys: HashMap::from([("k", stored)]),
            hashes: HashMap::from([("a", other)]),
        };
        assert_eq!(resolve(&leads, &earlier), [Resolution::Existing(stored)]);
    }

    #[test]
    fn a_key_in_the_batch_wins_over_a_stored_hash() {
        let stored = LeadId::new();
        let leads = [lead(Some("k"), "a"), lead(Some("k"), "b")];
        let earlier = Stored {
            hashes: HashMap::from([("b", stored)]),
            ..Stored::default()
        };
        assert_eq!(
            resolve(&leads, &earlier),
            [Resolution::Insert, Resolution::SameAs(0)]
        );
    }

    #[test]
    fn a_stored_hash_wins_over_the_batch() {
        let stored = LeadId::new();
        let leads = [lead(None, "a"), lead(None, "a")];
        let earlier = Stored {
            hashes: HashMap::from([("a", stored)]),
            ..Stored::default()
        };
        let resolutions = resolve(&leads, &earlier);
        assert_eq!(resolutions, [Resolution::Existing(stored); 2]);
        assert!(answers(&leads, &resolutions)
            .unwrap()
            .iter()
            .all(|answer| answer.id == stored && !answer.created));
    }

    #[test]
    fn answers_follow_a_key_lost_to_another_replica() {
        let winner = LeadId::new();
        let leads = [lead(Some("k"), "a"), lead(None, "a")];
        let answered = answers(
            &leads,
            &[Resolution::Existing(winner), Resolution::SameAs(0)],
        )
        .unwrap();
        assert!(answered
            .iter()
            .all(|answer| answer.id == winner && !answer.created));
    }

    #[test]
    fn new_leads_answer_with_themselves() {
        let leads = [lead(None, "a"), lead(None, "a")];
        let answered = answers(&leads, &resolve(&leads, &Stored::default())).unwrap();
        assert_eq!(
            answered,
            [
                Enqueued {
                    id: leads[0].id,
                    created: true
                },
                Enqueued {
                    id: leads[0].id,
                    created: false
                }
            ]
        );
    }
}
