//! Group commit: many concurrent `enqueue` calls share one transaction, and each
//! caller is answered only after that transaction commits.

use std::{future::Future, sync::Arc};

use std::sync::RwLock;

use tokio::sync::{mpsc, oneshot, Mutex};

use super::{Enqueued, NewLead, StorageError, StorageResult};

type Reply = oneshot::Sender<StorageResult<Enqueued>>;

/// Hands leads to one writer task that commits them in batches.
pub(crate) struct GroupCommitter {
    sender: RwLock<Option<mpsc::Sender<(NewLead, Reply)>>>,
    done: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl GroupCommitter {
    /// Starts the writer: `commit_batch` stores a batch in one transaction and
    /// returns one result per lead, in order.
    pub(crate) fn spawn<F, Fut>(max_batch: usize, commit_batch: F) -> Arc<Self>
    where
        F: Fn(Vec<NewLead>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = StorageResult<Vec<Enqueued>>> + Send,
    {
        let (sender, mut receiver) = mpsc::channel::<(NewLead, Reply)>(max_batch * 4);
        let done = tokio::spawn(async move {
            let mut leads = Vec::with_capacity(max_batch);
            let mut replies = Vec::with_capacity(max_batch);
            let mut batch = Vec::with_capacity(max_batch);
            while receiver.recv_many(&mut batch, max_batch).await > 0 {
                for (lead, reply) in batch.drain(..) {
                    leads.push(lead);
                    replies.push(reply);
                }
                match commit_batch(std::mem::take(&mut leads)).await {
                    Ok(results) => {
                        for (reply, result) in replies.drain(..).zip(results) {
                            let _ = reply.send(Ok(result));
                        }
                    }
                    Err(error) => {
                        tracing::error!(error = %error.0, "failed to commit a batch of leads");
                        let message = error.0.to_string();
                        for reply in replies.drain(..) {
                            let _ = reply.send(Err(StorageError(anyhow::anyhow!("{message}"))));
                        }
                    }
                }
            }
        });
        Arc::new(Self {
            sender: RwLock::new(Some(sender)),
            done: Mutex::new(Some(done)),
        })
    }

    /// Stores one lead; returns after its batch committed.
    pub(crate) async fn submit(&self, lead: NewLead) -> StorageResult<Enqueued> {
        let sender = self
            .sender
            .read()
            .expect("sender lock poisoned")
            .clone()
            .ok_or_else(|| StorageError(anyhow::anyhow!("storage is closed")))?;
        let (reply, answer) = oneshot::channel();
        sender
            .send((lead, reply))
            .await
            .map_err(|_| StorageError(anyhow::anyhow!("storage writer stopped")))?;
        answer
            .await
            .map_err(|_| StorageError(anyhow::anyhow!("storage writer stopped")))?
    }

    /// `Ok` while the writer task takes leads (not closed, not ended by a panic).
    pub(crate) fn check_running(&self) -> StorageResult<()> {
        let running = self
            .sender
            .read()
            .expect("sender lock poisoned")
            .as_ref()
            .is_some_and(|sender| !sender.is_closed());
        if running {
            Ok(())
        } else {
            Err(StorageError(anyhow::anyhow!(
                "the intake writer has stopped"
            )))
        }
    }

    /// Stops taking leads and waits until every accepted one is committed.
    pub(crate) async fn close(&self) {
        self.sender.write().expect("sender lock poisoned").take();
        if let Some(done) = self.done.lock().await.take() {
            let _ = done.await;
        }
    }
}
