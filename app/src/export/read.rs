//! Reading an export's items a batch at a time, in a task of its own that stays one batch
//! ahead of the writer: SQLite (on its own thread) reads the next batch while this one is
//! formatted and hashed, so on two cores an export takes about as long as the slower of the
//! two. The channel holds one batch, so memory stays flat.
use crate::domain::ItemId;
use crate::flag::{FlagView, TextRef};
use crate::store::Db;
use crate::store::corrections::CorrectedItem;
use crate::store::export::{self as stored, Scope, VotedItem};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Items read per batch: large enough to amortise queries, small enough to keep memory flat.
const BATCH: i64 = 500;

/// What an export reads of each item besides its prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    Votes,
    Corrections,
    /// The export writes nothing from this dataset (e.g. SFT records of a compare dataset);
    /// items are still read so the manifest counts them.
    Nothing,
}

pub enum Content {
    Voted(Vec<VotedItem>),
    Corrected(Vec<CorrectedItem>),
    Nothing,
}

/// One batch: how many gold items were left out, the active flags, and the items.
pub struct Batch {
    pub gold: usize,
    pub flags: HashMap<ItemId, Vec<FlagView<TextRef>>>,
    pub content: Content,
}

/// What the policy asks the reading to do beyond the scope.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Leave gold (known-answer) items out.
    pub exclude_gold: bool,
    /// Read the per-axis ratings of the votes (only when the export writes them).
    pub ratings: bool,
}

/// Starts reading; batches arrive in item order, then the channel closes (after an error, if any).
pub fn read_ahead(
    pool: Db,
    scope: Scope,
    reads: Reads,
    options: ReadOptions,
) -> mpsc::Receiver<Result<Batch, sqlx::Error>> {
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let mut after = 0;
        loop {
            let batch = match read(&pool, &scope, reads, options, &mut after).await {
                Ok(Some(b)) => Ok(b),
                Ok(None) => return,
                Err(e) => Err(e),
            };
            let failed = batch.is_err();
            // A closed channel means the writer has stopped: so does the reading.
            if tx.send(batch).await.is_err() || failed {
                return;
            }
        }
    });
    rx
}

async fn read(
    pool: &Db,
    scope: &Scope,
    reads: Reads,
    options: ReadOptions,
    after: &mut i64,
) -> Result<Option<Batch>, sqlx::Error> {
    // Gold items (known answers) are left out when the policy says so.
    let keep = |gold: bool| !(options.exclude_gold && gold);
    if reads == Reads::Votes {
        let items = stored::next_voted(pool, scope, *after, BATCH, options.ratings).await?;
        let Some(last) = items.last() else { return Ok(None) };
        *after = last.prompt.id.0;
        let (items, gold): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| keep(i.prompt.gold));
        let flags = flags(pool, items.iter().map(|i| i.prompt.id)).await?;
        return Ok(Some(Batch { gold: gold.len(), flags, content: Content::Voted(items) }));
    }
    let items = stored::next_items(pool, scope, *after, BATCH).await?;
    let Some(last) = items.last() else { return Ok(None) };
    *after = last.id.0;
    let (items, gold): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| keep(i.gold));
    let flags = flags(pool, items.iter().map(|i| i.id)).await?;
    let content = match reads {
        Reads::Corrections => Content::Corrected(stored::corrected(pool, scope, items).await?),
        _ => Content::Nothing,
    };
    Ok(Some(Batch { gold: gold.len(), flags, content }))
}

async fn flags(
    pool: &Db,
    items: impl Iterator<Item = ItemId>,
) -> Result<HashMap<ItemId, Vec<FlagView<TextRef>>>, sqlx::Error> {
    crate::store::flags::active_in_items(pool, &items.collect::<Vec<_>>()).await
}
