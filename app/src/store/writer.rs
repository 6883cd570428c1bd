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

/// What the writer does with a job once the group's commit is known: `None` committed, or the
/// commit's error.
type Finish = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

/// A job run on the writer's connection inside the group's transaction; it tells whether it
/// succeeded (else its savepoint is rolled back) and how to answer its caller.
type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Finish)> + Send>;

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
                                // Dropping the jobs unanswered makes each caller's write fail.
                                tracing::error!("writer has no connection: {e}");
                                drop(group);
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

/// Runs a group in one transaction and answers every job after the commit.
async fn run_group(conn: &mut SqliteConnection, group: Vec<Job>) -> Result<(), sqlx::Error> {
    let mut finishes = Vec::with_capacity(group.len());
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    for job in group {
        sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
        let (ok, finish) = job(&mut tx).await;
        if !ok {
            sqlx::query("ROLLBACK TO job").execute(&mut *tx).await?;
        }
        sqlx::query("RELEASE job").execute(&mut *tx).await?;
        finishes.push(finish);
    }
    match tx.commit().await {
        Ok(()) => {
            for finish in finishes {
                finish(None);
            }
            Ok(())
        }
        Err(e) => {
            for finish in finishes {
                finish(Some(&e));
            }
            Err(e)
        }
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
    let (answer, answered) = oneshot::channel::<Result<T, E>>();
    let job: Job = Box::new(move |conn| {
        Box::pin(async move {
            let result = work(conn).await;
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |commit| {
                let result = match commit {
                    None => result,
                    Some(e) => Err(E::from(sqlx::Error::Protocol(format!("commit failed: {e}")))),
                };
                let _ = answer.send(result);
            });
            (ok, finish)
        })
    });
    let writer = super::local(pool).writer(pool);
    writer.jobs.send(job).map_err(|_| E::from(sqlx::Error::PoolClosed))?;
    answered.await.map_err(|_| E::from(sqlx::Error::WorkerCrashed))?
}

impl super::Local {
    /// This process's writer for the database, started on first use.
    fn writer(&self, pool: &SqlitePool) -> Arc<Writer> {
        let mut writer = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        writer.get_or_insert_with(|| Arc::new(Writer::start(pool.clone(), self.gate.clone()))).clone()
    }
}
