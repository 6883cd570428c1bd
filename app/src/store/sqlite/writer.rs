//! The review loop's writes, committed in groups by one writer.
//!
//! Leases and judgments are the writes clinicians make thousands of times a day. Run as
//! ordinary transactions, each statement's continuation waits for a turn on the request
//! threads while the transaction holds SQLite's only write lock, so under load the lock was
//! held mostly by waiting (the bench showed the server at 60% CPU, every reviewer queued).
//! Here a dedicated thread with its own connection and runtime takes the jobs waiting for it,
//! runs them back to back in one transaction (each inside its own savepoint, so a refused
//! judgment undoes only itself), commits once, and only then answers each caller: an
//! acknowledged write is a committed one.
use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most jobs in one transaction.
const MOST_PER_COMMIT: usize = 64;

/// How a job's caller is answered once its group ended: `None` if the group committed (the
/// job's own result stands), else the error that ended the group (its writes are gone).
type Answer = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

/// Runs on the writer's connection inside the group's transaction and tells whether it
/// succeeded (else its savepoint is rolled back).
type Run = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, bool> + Send>;

/// A caller's work and how to answer it. Every job is answered, even one whose group failed
/// before it ran.
struct Job {
    run: Run,
    answer: Answer,
}

pub(crate) struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    fn start(pool: SqlitePool, gate: Arc<tokio::sync::Mutex<()>>) -> Self {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let spawned = std::thread::Builder::new().name("medpref-writer".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => return tracing::error!("the writer's runtime: {e}"),
            };
            runtime.block_on(async move {
                let mut conn = None;
                while let Some(first) = queue.recv().await {
                    let mut group = vec![first];
                    while group.len() < MOST_PER_COMMIT {
                        match queue.try_recv() {
                            Ok(job) => group.push(job),
                            Err(_) => break,
                        }
                    }
                    if conn.is_none() {
                        conn = match pool.acquire().await {
                            Ok(c) => Some(c.detach()),
                            Err(e) => {
                                tracing::error!("writer has no connection: {e}");
                                for job in group {
                                    (job.answer)(Some(&e));
                                }
                                continue;
                            }
                        };
                    }
                    let Some(c) = conn.as_mut() else { continue };
                    let _turn = gate.lock().await;
                    if let Err(e) = run_group(c, group).await {
                        // A connection that failed mid-transaction is not used again.
                        tracing::error!("writer: {e}");
                        conn = None;
                    }
                }
            });
        });
        if let Err(e) = spawned {
            tracing::error!("starting the writer: {e}");
        }
        Writer { jobs }
    }
}

/// Runs a group in one transaction and answers every job after the commit (or its failure).
async fn run_group(conn: &mut SqliteConnection, group: Vec<Job>) -> Result<(), sqlx::Error> {
    let (runs, answers): (Vec<Run>, Vec<Answer>) = group.into_iter().map(|j| (j.run, j.answer)).unzip();
    let outcome = run_all(conn, runs).await;
    for answer in answers {
        answer(outcome.as_ref().err());
    }
    outcome
}

async fn run_all(conn: &mut SqliteConnection, runs: Vec<Run>) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    for run in runs {
        sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
        if !run(&mut tx).await {
            sqlx::query("ROLLBACK TO job").execute(&mut *tx).await?;
        }
        sqlx::query("RELEASE job").execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// The error a caller gets when its group failed: a full disk stays recognisable as one.
fn group_failed(e: &sqlx::Error) -> sqlx::Error {
    let text = format!("the writer's transaction failed: {e}");
    if crate::store::is_disk_full(e) {
        sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::StorageFull, text))
    } else {
        sqlx::Error::Protocol(text)
    }
}

/// Runs `work` on the writer of `pool`'s database, in a transaction shared with other
/// callers' work, and returns its result once that transaction committed. An `Err` from
/// `work` undoes only its own writes.
pub async fn write<T, E, F>(pool: &SqlitePool, work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<sqlx::Error> + Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
{
    let (reply, replied) = oneshot::channel::<Result<T, E>>();
    let slot = Arc::new(std::sync::Mutex::new(None::<Result<T, E>>));
    let filled = slot.clone();
    let run: Run = Box::new(move |conn| {
        Box::pin(async move {
            let result = work(conn).await;
            let ok = result.is_ok();
            *filled.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
            ok
        })
    });
    let answer: Answer = Box::new(move |failure| {
        let result = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let result = match (failure, result) {
            (None, Some(result)) => result,
            (Some(e), _) => Err(E::from(group_failed(e))),
            (None, None) => Err(E::from(sqlx::Error::WorkerCrashed)),
        };
        let _ = reply.send(result);
    });
    let writer = super::local(pool).writer(pool);
    writer.jobs.send(Job { run, answer }).map_err(|_| E::from(sqlx::Error::PoolClosed))?;
    replied.await.map_err(|_| E::from(sqlx::Error::WorkerCrashed))?
}

impl super::Local {
    /// This process's writer for the database, started on first use.
    fn writer(&self, pool: &SqlitePool) -> Arc<Writer> {
        let mut writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        writer.get_or_insert_with(|| Arc::new(Writer::start(pool.clone(), self.gate.clone()))).clone()
    }
}
