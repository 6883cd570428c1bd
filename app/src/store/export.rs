//! What exports read, one batch of items at a time (so memory stays flat however large the
//! dataset), and the record of each export with its manifest.
use super::Db;
use super::corrections::{CorrectedItem, SELECT as CORRECTIONS, to_input};
use crate::domain::DatasetId;
use crate::domain::correction::{Correction, Verdict};
use crate::domain::judgment::Strength;
use crate::domain::{CandidateId, ItemId, Outcome, UserId};
use crate::store::judgments::CastVote;
use std::collections::HashMap;

/// Which items and whose decisions an export reads. Dates are `YYYY-MM-DD`, inclusive, on
/// the day a decision was made (UTC).
#[derive(Debug, Clone)]
pub struct Scope {
    pub dataset: DatasetId,
    pub department: Option<String>,
    /// Usernames whose decisions count; `None`: everyone's.
    pub reviewers: Option<Vec<String>>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Scope {
    fn reviewers_json(&self) -> Option<String> {
        self.reviewers.as_ref().map(|r| serde_json::to_string(r).expect("names serialise"))
    }
}

/// Whose decisions count and when, for a decision table aliased `x` joined to `users u`;
/// binds ?2 = reviewers (JSON or NULL), ?3 = from, ?4 = to.
const WHO_AND_WHEN: &str = "($2 IS NULL OR u.username IN (SELECT value FROM json_each($2)))
       AND ($3 IS NULL OR substr(x.created_at, 1, 10) >= $3)
       AND ($4 IS NULL OR substr(x.created_at, 1, 10) <= $4)";

/// [`WHO_AND_WHEN`] for the items whose ids are ?1 (JSON).
fn decisions_in_scope() -> String {
    format!("x.item_id IN (SELECT value FROM json_each($1)) AND {WHO_AND_WHEN}")
}

/// The next batch of items `i` in scope; binds ?1 = dataset, ?5 = department (or NULL),
/// ?6 = after this id, ?7 = how many (and ?2–?4 as [`WHO_AND_WHEN`]: see [`bind_scope`]).
const ITEMS_IN_SCOPE: &str = "i.dataset_id = $1 AND i.excluded_at IS NULL AND ($5 IS NULL OR i.department = $5)
       AND i.id > $6 ORDER BY i.id LIMIT $7";

/// Binds $1–$7 of [`ITEMS_IN_SCOPE`] and [`WHO_AND_WHEN`]. (A macro: the query's type is
/// the engine's, and a generic function would have to name a bound for every bound type.)
macro_rules! bind_scope {
    ($q:expr, $scope:expr, $after:expr, $limit:expr) => {
        $q.bind($scope.dataset)
            .bind($scope.reviewers_json())
            .bind(&$scope.from)
            .bind(&$scope.to)
            .bind(&$scope.department)
            .bind($after)
            .bind($limit)
    };
}

/// The columns of a [`PromptRow`] of items `i`.
const PROMPT: &str = "i.id, i.system, i.history, i.question, i.gold IS NOT NULL, json_extract(i.meta, '$.extra.tools')";
type PromptColumns = (i64, Option<String>, String, String, bool, Option<String>);

fn prompt_row((id, system, history, question, gold, tools): PromptColumns) -> Result<PromptRow, sqlx::Error> {
    let history = serde_json::from_str(&history).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(PromptRow { id: ItemId(id), system, history, question, gold, tools })
}

/// An item in scope: its prompt, and whether it is gold.
#[derive(Debug, Clone)]
pub struct PromptRow {
    pub id: ItemId,
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub gold: bool,
    /// The tool definitions the imported record carried (`tools`, kept in the item's
    /// metadata), as JSON text, for the formats with a place for them.
    pub tools: Option<String>,
}

/// The next `limit` items after `after` (by id) in scope; excluded items never count.
pub async fn next_items(db: &Db, scope: &Scope, after: i64, limit: i64) -> Result<Vec<PromptRow>, sqlx::Error> {
    on!(db, pool => {
        let sql = format!("SELECT {PROMPT} FROM items i WHERE {ITEMS_IN_SCOPE}");
        let rows: Vec<PromptColumns> = bind_scope!(sqlx::query_as(&sql), scope, after, limit).fetch_all(pool).await?;
        rows.into_iter().map(prompt_row).collect()
    })
}

/// Whether any item in scope carries tool definitions.
pub async fn has_tools(db: &Db, scope: &Scope) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM items WHERE dataset_id = $1 AND excluded_at IS NULL
                              AND ($2 IS NULL OR department = $3) AND json_extract(meta, '$.extra.tools') IS NOT NULL)",
        )
        .bind(scope.dataset)
        .bind(&scope.department)
        .bind(&scope.department)
        .fetch_one(pool)
        .await
    })
}

/// Whether any item in scope has a system text or earlier turns (formats with optional
/// columns then write them on every line, so that every line has the same columns).
pub async fn has_context(db: &Db, scope: &Scope) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM items WHERE dataset_id = $1 AND excluded_at IS NULL
                              AND ($2 IS NULL OR department = $3) AND (system IS NOT NULL OR history != '[]'))",
        )
        .bind(scope.dataset)
        .bind(&scope.department)
        .bind(&scope.department)
        .fetch_one(pool)
        .await
    })
}

fn ids_json(items: &[PromptRow]) -> String {
    serde_json::to_string(&items.iter().map(|i| i.id.0).collect::<Vec<_>>()).expect("ids serialise")
}

/// One reviewer's vote on an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Ballot {
    pub reviewer: UserId,
    pub cast: CastVote,
    pub strength: Option<Strength>,
}

/// A compare item with its answers and the votes in scope.
#[derive(Debug, Clone)]
pub struct VotedItem {
    pub prompt: PromptRow,
    pub candidates: Vec<(CandidateId, String)>,
    pub ballots: Vec<Ballot>,
    /// The per-axis ratings of the judgments in scope: (answer, axis, 1–5).
    pub ratings: Vec<(CandidateId, crate::domain::judgment::Axis, u8)>,
}

/// A prompt row, then the item's candidates and votes as JSON arrays.
type VotedRow = (i64, Option<String>, String, String, bool, Option<String>, String, String);
/// A vote as that JSON array lists it: judgment, reviewer, outcome, winner, strength.
type VoteCells = (i64, i64, String, Option<i64>, Option<String>);

/// Like [`next_items`], for compare items: each with its answers and the votes in scope.
/// One row per item, answers and votes as JSON: rows cross from SQLite's thread one by one,
/// and a row per vote made that hand-over the export's main cost.
pub async fn next_voted(
    db: &Db,
    scope: &Scope,
    after: i64,
    limit: i64,
    with_ratings: bool,
) -> Result<Vec<VotedItem>, sqlx::Error> {
    on!(db, pool => {
        let sql = format!(
            "SELECT {PROMPT},
                (SELECT json_group_array(json_array(c.id, c.body) ORDER BY c.position) FROM candidates c WHERE c.item_id = i.id),
                (SELECT json_group_array(json_array(x.id, x.user_id, x.outcome, x.winner_id, x.strength) ORDER BY x.id)
                   FROM judgments x JOIN users u ON u.id = x.user_id WHERE x.item_id = i.id AND {WHO_AND_WHEN})
           FROM items i WHERE {ITEMS_IN_SCOPE}"
        );
        let rows: Vec<VotedRow> = bind_scope!(sqlx::query_as(&sql), scope, after, limit).fetch_all(pool).await?;
        let ids = serde_json::to_string(&rows.iter().map(|r| r.0).collect::<Vec<_>>()).expect("ids serialise");
        let ranks: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT r.judgment_id, r.candidate_id, r.rank FROM judgment_ranks r JOIN judgments j ON j.id = r.judgment_id
              WHERE j.item_id IN (SELECT value FROM json_each($1)) ORDER BY r.judgment_id, r.candidate_id",
        )
        .bind(&ids)
        .fetch_all(pool)
        .await?;

        // Ratings are read only for an export that writes them.
        let ratings: Vec<(i64, i64, String, i64)> = if with_ratings {
            sqlx::query_as(
                "SELECT r.judgment_id, r.candidate_id, r.axis, r.value FROM ratings r JOIN judgments j ON j.id = r.judgment_id
                  WHERE j.item_id IN (SELECT value FROM json_each($1)) ORDER BY r.judgment_id, r.candidate_id, r.axis",
            )
            .bind(&ids)
            .fetch_all(pool)
            .await?
        } else {
            vec![]
        };

        let bad = |e: String| sqlx::Error::Decode(e.into());
        let json = |e: serde_json::Error| sqlx::Error::Decode(e.into());
        let mut ranks_of: HashMap<i64, Vec<(CandidateId, u8)>> = HashMap::new();
        for (j, c, r) in ranks {
            ranks_of.entry(j).or_default().push((CandidateId(c), r as u8));
        }
        type Rated = (CandidateId, crate::domain::judgment::Axis, u8);
        let mut ratings_of: HashMap<i64, Vec<Rated>> = HashMap::new();
        for (j, c, axis, value) in ratings {
            ratings_of.entry(j).or_default().push((CandidateId(c), axis.parse().map_err(bad)?, value as u8));
        }
        let mut out = Vec::with_capacity(rows.len());
        for (id, system, history, question, gold, tools, candidates, votes) in rows {
            let candidates: Vec<(i64, String)> = serde_json::from_str(&candidates).map_err(json)?;
            let votes: Vec<VoteCells> = serde_json::from_str(&votes).map_err(json)?;
            let mut ballots = Vec::with_capacity(votes.len());
            let mut rated = Vec::new();
            for (judgment, user, outcome, winner, strength) in votes {
                rated.extend(ratings_of.remove(&judgment).unwrap_or_default());
                let cast = match ranks_of.remove(&judgment) {
                    Some(ranking) => CastVote::Ranking(ranking),
                    None => CastVote::Pairwise(outcome.parse::<Outcome>().map_err(bad)?, winner.map(CandidateId)),
                };
                let strength = strength.map(|s| s.parse::<Strength>()).transpose().map_err(bad)?;
                ballots.push(Ballot { reviewer: UserId(user), cast, strength });
            }
            out.push(VotedItem {
                prompt: prompt_row((id, system, history, question, gold, tools))?,
                candidates: candidates.into_iter().map(|(id, body)| (CandidateId(id), body)).collect(),
                ballots,
                ratings: rated,
            });
        }
        Ok(out)
    })
}

/// An original answer with its item's adjudication: item, candidate, body, decision, final
/// question, final answer.
type OriginalRow = (i64, i64, String, Option<String>, Option<String>, Option<String>);

/// The original answer, the corrections in scope and the adjudication of a batch of QA items.
pub async fn corrected(db: &Db, scope: &Scope, items: Vec<PromptRow>) -> Result<Vec<CorrectedItem>, sqlx::Error> {
    on!(db, pool => {
        let ids = ids_json(&items);
        let originals: Vec<OriginalRow> = sqlx::query_as(
            "SELECT c.item_id, c.id, c.body, a.decision, a.final_question, a.final_answer
           FROM candidates c LEFT JOIN adjudications a ON a.item_id = c.item_id
          WHERE c.item_id IN (SELECT value FROM json_each($1)) AND c.position = 0",
        )
        .bind(&ids)
        .fetch_all(pool)
        .await?;
        let rows: Vec<super::corrections::Row> = sqlx::query_as(&format!(
            "{CORRECTIONS} JOIN users u ON u.id = c.user_id
              WHERE {} ORDER BY c.item_id, c.id",
            decisions_in_scope().replace("x.", "c.")
        ))
        .bind(&ids)
        .bind(scope.reviewers_json())
        .bind(&scope.from)
        .bind(&scope.to)
        .fetch_all(pool)
        .await?;

        let bad = |e: String| sqlx::Error::Decode(e.into());
        let mut original_of = HashMap::new();
        for (item, id, body, verdict, question, answer) in originals {
            let adjudicated = verdict
                .map(|v| {
                    Ok::<_, sqlx::Error>(match v.parse::<Verdict>().map_err(bad)? {
                        Verdict::Accept => Correction::Accept,
                        Verdict::Reject => Correction::Reject,
                        Verdict::Edit => Correction::Edit { question, answer: answer.unwrap_or_default() },
                    })
                })
                .transpose()?;
            original_of.insert(item, (CandidateId(id), body, adjudicated));
        }
        let mut decisions: HashMap<i64, (Vec<_>, Vec<i64>)> = HashMap::new();
        for row in &rows {
            let entry = decisions.entry(row.1).or_default();
            entry.0.push(to_input(row)?);
            entry.1.push(row.0);
        }
        Ok(items
            .into_iter()
            .filter_map(|p| {
                let (original_id, original, adjudicated) = original_of.remove(&p.id.0)?;
                let (decisions, correction_ids) = decisions.remove(&p.id.0).unwrap_or_default();
                Some(CorrectedItem {
                    item: p.id,
                    original_id,
                    system: p.system,
                    history: p.history,
                    tools: p.tools,
                    question: p.question,
                    original,
                    decisions,
                    correction_ids,
                    adjudicated,
                })
            })
            .collect())
    })
}

/// Starts the record of an export; its manifest is added when the data is written whole.
pub async fn begin(
    db: &Db,
    dataset: DatasetId,
    format: &str,
    policy: &serde_json::Value,
    actor: Option<UserId>,
) -> Result<i64, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar("INSERT INTO exports (dataset_id, format, policy, created_by) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(dataset)
            .bind(format)
            .bind(policy.to_string())
            .bind(actor.map(|u| u.0))
            .fetch_one(pool)
            .await
    })
}

/// The store's clock, in its timestamp format.
pub async fn now(db: &Db) -> Result<String, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(&format!("SELECT {}", NOW)).fetch_one(pool).await
    })
}

/// Completes an export's record with its manifest, and logs it.
pub async fn finish(db: &Db, export: i64, manifest: &serde_json::Value) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let actor: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE exports SET manifest = $1, finished_at = {} WHERE id = $2 RETURNING created_by",
            NOW
        ))
        .bind(manifest.to_string())
        .bind(export)
        .fetch_one(&mut *tx)
        .await?;
        let detail = serde_json::json!({
            "dataset": manifest["dataset"], "format": manifest["format"], "sha256": manifest["sha256"],
            "written": manifest["counts"]["written"],
        });
        super::audit::record(&mut tx, actor.map(UserId), "export", "export", Some(export), detail).await?;
        tx.commit().await
    })
}

/// An export as stored; `manifest` is `None` while writing or if the download broke off.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: i64,
    pub format: String,
    pub created_by: Option<String>,
    pub created_at: String,
    pub manifest: Option<String>,
}

/// The dataset's most recent exports, newest first.
pub async fn recent(db: &Db, dataset: DatasetId, limit: i64) -> Result<Vec<ExportRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT e.id, e.format, u.username AS created_by, e.created_at, e.manifest
           FROM exports e LEFT JOIN users u ON u.id = e.created_by
          WHERE e.dataset_id = $1 ORDER BY e.id DESC LIMIT $2",
        )
        .bind(dataset)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
}

/// One export's manifest (JSON), if it finished.
pub async fn manifest(db: &Db, export: i64) -> Result<Option<String>, sqlx::Error> {
    on!(db, pool => {
        Ok(sqlx::query_scalar::<_, Option<String>>("SELECT manifest FROM exports WHERE id = $1")
            .bind(export)
            .fetch_optional(pool)
            .await?
            .flatten())
    })
}

/// Generated answers of the items in scope: (item, derived_from, model, score, score_kind,
/// job, generation JSON, body), by item and position.
pub type GeneratedRow = (i64, Option<i64>, Option<String>, Option<f64>, Option<String>, Option<i64>, String, String);

pub async fn generated(db: &Db, scope: &Scope) -> Result<Vec<GeneratedRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT i.id, i.derived_from, c.model, c.score, c.score_kind, c.job_id, c.generation, c.body
           FROM items i JOIN candidates c ON c.item_id = i.id
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL AND ($2 IS NULL OR i.department = $3)
            AND c.generation IS NOT NULL
          ORDER BY i.id, c.position",
        )
        .bind(scope.dataset)
        .bind(&scope.department)
        .bind(&scope.department)
        .fetch_all(pool)
        .await
    })
}
