//! The one writer: a thread that owns the SQLite connection every write of
//! this process goes through. It takes everything queued since its last
//! commit — new leads, claims, outcomes, operators' changes — applies it in
//! one transaction, commits once (one fsync), and only then answers each
//! caller. Delivery's writes so ride along intake's commits instead of
//! competing with them, and no statement crosses a thread.
//!
//! Within a group: the new leads first (so that a claim in the same group can
//! take them), then the other jobs in arrival order, each in a savepoint: a job
//! that fails is rolled back alone and answered with its error. A failed commit
//! answers every caller of the group with the error.

use std::{
    sync::{mpsc, Mutex, RwLock},
    thread::JoinHandle,
};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{dedupe::DedupeWindow, intake};
use crate::{
    clock::Clock,
    outbox::{Enqueued, NewLead, StorageError, StorageResult},
};

/// Most commands applied in one transaction.
const MAX_GROUP: usize = 1024;

/// A write to apply inside the writer's transaction.
trait Job: Send {
    /// Applies it (in a savepoint); its answer waits for the commit.
    fn apply(
        self: Box<Self>,
        connection: &Connection,
        window: &mut DedupeWindow,
        now: i64,
    ) -> Box<dyn Answer>;
    /// Answers it with `error` without applying it.
    fn refuse(self: Box<Self>, error: &StorageError);
}

enum Command {
    Store(Box<NewLead>, oneshot::Sender<StorageResult<Enqueued>>),
    Run(Box<dyn Job>),
}

/// A job's result, held until its group's commit says whether it stands.
trait Answer: Send {
    fn send(self: Box<Self>, committed: Result<(), &StorageError>);
}

/// A job as callers give it: work on the connection, the window of recent
/// leads and the group's time (unix ms).
struct Task<F, T> {
    work: F,
    to: oneshot::Sender<StorageResult<T>>,
}

impl<F, T> Job for Task<F, T>
where
    F: FnOnce(&Connection, &mut DedupeWindow, i64) -> StorageResult<T> + Send,
    T: Send + 'static,
{
    fn apply(
        self: Box<Self>,
        connection: &Connection,
        window: &mut DedupeWindow,
        now: i64,
    ) -> Box<dyn Answer> {
        let Task { work, to } = *self;
        let result = in_savepoint(connection, || work(connection, window, now));
        Box::new(Reply { result, to })
    }

    fn refuse(self: Box<Self>, error: &StorageError) {
        let _ = self.to.send(Err(copy(error)));
    }
}

struct Reply<T> {
    result: StorageResult<T>,
    to: oneshot::Sender<StorageResult<T>>,
}

impl<T: Send> Answer for Reply<T> {
    fn send(self: Box<Self>, committed: Result<(), &StorageError>) {
        let result = match committed {
            Ok(()) => self.result,
            Err(error) => Err(copy(error)),
        };
        let _ = self.to.send(result);
    }
}

/// The handle callers hold; the thread stops once it is closed and the queue is empty.
pub(super) struct Writer {
    queue: RwLock<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer thread on `connection` (already configured); each
    /// group's time is `clock`'s.
    pub(super) fn start(
        connection: Connection,
        window: DedupeWindow,
        clock: Clock,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_until_closed(connection, window, clock, receiver))?;
        Ok(Self {
            queue: RwLock::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Stores one lead; answers once the transaction holding it has committed.
    pub(super) async fn store(&self, lead: NewLead) -> StorageResult<Enqueued> {
        let (to, answer) = oneshot::channel();
        self.send(Command::Store(Box::new(lead), to))?;
        answer.await.map_err(|_| stopped())?
    }

    /// Runs `job` in the writer's next transaction; answers once it committed.
    pub(super) async fn run<T, F>(&self, job: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut DedupeWindow, i64) -> StorageResult<T> + Send + 'static,
    {
        let (to, answer) = oneshot::channel();
        self.send(Command::Run(Box::new(Task { work: job, to })))?;
        answer.await.map_err(|_| stopped())?
    }

    fn send(&self, command: Command) -> StorageResult<()> {
        let queue = self.queue.read().expect("writer lock poisoned");
        let queue = queue
            .as_ref()
            .ok_or_else(|| StorageError(anyhow::anyhow!("storage is closed")))?;
        queue.send(command).map_err(|_| stopped())
    }

    /// `Ok` while the thread takes writes (not closed, not ended by a panic).
    pub(super) fn check_running(&self) -> StorageResult<()> {
        let thread = self.thread.lock().expect("writer lock poisoned");
        match thread.as_ref() {
            Some(thread) if !thread.is_finished() => Ok(()),
            _ => Err(StorageError(anyhow::anyhow!(
                "the storage writer has stopped"
            ))),
        }
    }

    /// Stops taking writes and waits until everything queued is committed.
    pub(super) async fn close(&self) {
        self.queue.write().expect("writer lock poisoned").take();
        let thread = self.thread.lock().expect("writer lock poisoned").take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn stopped() -> StorageError {
    StorageError(anyhow::anyhow!("storage writer stopped"))
}

fn copy(error: &StorageError) -> StorageError {
    StorageError(anyhow::anyhow!("{}", error.0))
}

/// The thread: one group per wake-up, everything queued at that moment.
fn write_until_closed(
    connection: Connection,
    mut window: DedupeWindow,
    clock: Clock,
    queue: mpsc::Receiver<Command>,
) {
    let mut group = Group::default();
    while let Ok(first) = queue.recv() {
        group.add(first);
        for command in queue.try_iter().take(MAX_GROUP - 1) {
            group.add(command);
        }
        group.commit(&connection, &mut window, &clock);
    }
}

/// The commands of one transaction.
#[derive(Default)]
struct Group {
    leads: Vec<NewLead>,
    stored: Vec<oneshot::Sender<StorageResult<Enqueued>>>,
    jobs: Vec<Box<dyn Job>>,
}

impl Group {
    fn add(&mut self, command: Command) {
        match command {
            Command::Store(lead, reply) => {
                self.leads.push(*lead);
                self.stored.push(reply);
            }
            Command::Run(job) => self.jobs.push(job),
        }
    }

    /// Applies the group in one transaction and answers every caller.
    fn commit(&mut self, connection: &Connection, window: &mut DedupeWindow, clock: &Clock) {
        if let Err(error) = run_cached(connection, "BEGIN IMMEDIATE") {
            let error = StorageError::from(error);
            tracing::error!(error = %error.0, "failed to begin a storage transaction");
            self.answer_all(&error);
            return;
        }
        let now = clock.now_ms();
        let stored = (!self.leads.is_empty()).then(|| {
            in_savepoint(connection, || {
                intake::insert_batch(connection, window, &self.leads, now)
            })
        });
        let mut answers = Vec::with_capacity(self.jobs.len());
        for job in self.jobs.drain(..) {
            if connection.is_autocommit() {
                // A failure (a full disk…) ended the transaction: nothing runs
                // outside it, and the commit below fails.
                job.refuse(&rolled_back());
            } else {
                answers.push(job.apply(connection, window, now));
            }
        }
        let committed = commit(connection);
        if let Err(error) = &committed {
            tracing::error!(error = %error.0, "failed to commit a storage transaction");
        }
        let replies = std::mem::take(&mut self.stored);
        let stored = stored.map(|stored| match &committed {
            Ok(()) => stored,
            Err(error) => Err(copy(error)),
        });
        match stored {
            Some(Ok(results)) => {
                window.remember_all(&self.leads, &results, now);
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Some(Err(error)) => {
                tracing::error!(error = %error.0, "failed to store a batch of leads");
                for reply in replies {
                    let _ = reply.send(Err(copy(&error)));
                }
            }
            None => {}
        }
        self.leads.clear();
        for answer in answers {
            answer.send(committed.as_ref().map(|_| ()));
        }
    }

    fn answer_all(&mut self, error: &StorageError) {
        self.leads.clear();
        for reply in self.stored.drain(..) {
            let _ = reply.send(Err(copy(error)));
        }
        for job in self.jobs.drain(..) {
            job.refuse(error);
        }
    }
}

fn rolled_back() -> StorageError {
    StorageError(anyhow::anyhow!(
        "the storage transaction was rolled back by a failure"
    ))
}

/// `COMMIT`; on failure the transaction is rolled back, so the connection is
/// clean for the next group.
fn commit(connection: &Connection) -> StorageResult<()> {
    if connection.is_autocommit() {
        return Err(rolled_back());
    }
    run_cached(connection, "COMMIT").map_err(|error| {
        if !connection.is_autocommit() {
            let _ = connection.execute_batch("ROLLBACK");
        }
        StorageError::from(error)
    })
}

/// Runs one statement without parameters, prepared once per connection.
fn run_cached(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Runs `work` in a savepoint: undone alone when it fails.
fn in_savepoint<T>(
    connection: &Connection,
    work: impl FnOnce() -> StorageResult<T>,
) -> StorageResult<T> {
    run_cached(connection, "SAVEPOINT job")?;
    let result = work();
    let end = if result.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job"
    };
    if !connection.is_autocommit() {
        run_cached(connection, end)?;
        if result.is_err() {
            run_cached(connection, "RELEASE job")?;
        }
    }
    result
}
