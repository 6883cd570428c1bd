//! Generated answers: the ones a reviewer has not added yet (drafts), and the review items
//! made from an item's prompt with new answers.
use super::items::{self, Generated, NewCandidate, NewItem, Origin, ScannedItem};
use super::{Conn, Db};
use crate::domain::hash_content;
use crate::domain::{DatasetId, ItemId, UserId};

/// A regenerated answer kept for its reviewer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    pub id: i64,
    pub item_id: i64,
    pub user_id: i64,
    pub body: String,
    pub model: String,
    pub generation: String,
    pub score: Option<f64>,
    pub score_kind: Option<String>,
    pub added_at: Option<String>,
}

impl Draft {
    pub fn candidate(&self) -> NewCandidate {
        NewCandidate {
            body: self.body.clone(),
            model: Some(self.model.clone()),
            prior_label: None,
            generated: Some(Generated {
                generation: self.generation.clone(),
                score: self.score,
                score_kind: self.score_kind.clone(),
                job: None,
            }),
        }
    }
}

pub async fn save_draft(db: &Db, item: ItemId, user: UserId, candidate: &NewCandidate) -> Result<i64, sqlx::Error> {
    on!(db, pool => {
        let g = candidate.generated.as_ref();
        sqlx::query_scalar(
            "INSERT INTO generated_answers (item_id, user_id, body, model, generation, score, score_kind)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(item.0)
        .bind(user.0)
        .bind(&candidate.body)
        .bind(&candidate.model)
        .bind(g.map(|g| g.generation.clone()).unwrap_or_default())
        .bind(g.and_then(|g| g.score))
        .bind(g.and_then(|g| g.score_kind.clone()))
        .fetch_one(pool)
        .await
    })
}

pub async fn draft(conn: impl Into<Conn<'_>>, id: i64) -> Result<Option<Draft>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_as(
            "SELECT id, item_id, user_id, body, model, generation, score, score_kind, added_at
               FROM generated_answers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
    })
}

pub async fn mark_added(conn: impl Into<Conn<'_>>, id: i64) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query(&format!("UPDATE generated_answers SET added_at = {} WHERE id = $1", NOW))
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}

/// An item whose prompt gets new answers: what derived items copy from it.
#[derive(Debug, Clone)]
pub struct Parent {
    pub id: ItemId,
    pub dataset: DatasetId,
    pub import_id: Option<i64>,
    /// Its prompt, line and meta as a new item would take them; `candidates` are its answers
    /// with their own provenance.
    pub item: NewItem,
}

impl Parent {
    pub fn answers(&self) -> &[NewCandidate] {
        &self.item.candidates
    }
}

type ParentRow =
    (i64, Option<i64>, Option<i64>, Option<String>, String, String, Option<String>, Option<String>, String);
type AnswerRow = (String, Option<String>, Option<String>, Option<String>, Option<f64>, Option<String>, Option<i64>);

pub async fn parent(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<Option<Parent>, sqlx::Error> {
    on!(conn.into(), conn => {
        let row: Option<ParentRow> = sqlx::query_as(
            "SELECT dataset_id, import_id, source_line, system, history, question, department, task, meta
               FROM items WHERE id = $1",
        )
        .bind(item.0)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((dataset, import_id, source_line, system, history, question, department, task, meta)) = row else {
            return Ok(None);
        };
        let answers: Vec<AnswerRow> = sqlx::query_as(
            "SELECT body, model, prior_label, generation, score, score_kind, job_id
               FROM candidates WHERE item_id = $1 ORDER BY position",
        )
        .bind(item.0)
        .fetch_all(&mut *conn)
        .await?;
        let decode = |e: serde_json::Error| sqlx::Error::Decode(e.into());
        let candidates = answers
            .into_iter()
            .map(|(body, model, prior_label, generation, score, score_kind, job)| {
                // A copied answer keeps the label its source file gave it (chosen / rejected).
                Ok(NewCandidate {
                    body,
                    model,
                    prior_label: prior_label.as_deref().map(items::PriorLabel::from_stored).transpose()?,
                    generated: generation.map(|generation| Generated { generation, score, score_kind, job }),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(Parent {
            id: item,
            dataset: DatasetId(dataset),
            import_id,
            item: NewItem {
                source_line: source_line.unwrap_or_default(),
                content_hash: String::new(),
                system,
                history: serde_json::from_str(&history).map_err(decode)?,
                question,
                department,
                task,
                meta: serde_json::from_str(&meta).map_err(decode)?,
                candidates,
            },
        }))
    })
}

impl Parent {
    /// One new item per answer set, each with this item's prompt.
    pub fn derived(&self, answer_sets: Vec<Vec<NewCandidate>>) -> Vec<NewItem> {
        let p = &self.item;
        answer_sets
            .into_iter()
            .map(|candidates| {
                let bodies: Vec<&str> = candidates.iter().map(|c| c.body.as_str()).collect();
                let content_hash = hash_content(&p.system, &p.history, &p.question, &bodies);
                NewItem { content_hash, candidates, ..p.clone() }
            })
            .collect()
    }
}

/// Stores items derived from `parent` ([`Parent::derived`], scanned by the caller). Items the
/// dataset already holds are skipped. Returns the new items.
pub async fn derive(
    conn: impl Into<Conn<'_>>,
    parent: &Parent,
    created_by: Option<UserId>,
    scanned: &[ScannedItem],
) -> Result<Vec<ItemId>, sqlx::Error> {
    on!(conn.into(), conn => {
        let origin = Origin { import_id: parent.import_id, derived_from: Some(parent.id), created_by };
        items::insert_batch(&mut *conn, parent.dataset, origin, scanned).await
    })
}

/// An item's answers that have no score yet: (candidate id, body).
pub async fn unscored(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_as("SELECT id, body FROM candidates WHERE item_id = $1 AND score IS NULL ORDER BY position")
            .bind(item.0)
            .fetch_all(&mut *conn)
            .await
    })
}

/// Stores a score on an answer that had none (a score already there is kept).
pub async fn set_score(conn: impl Into<Conn<'_>>, candidate: i64, score: f64, kind: &str) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query("UPDATE candidates SET score = $1, score_kind = $2 WHERE id = $3 AND score IS NULL")
            .bind(score)
            .bind(kind)
            .bind(candidate)
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}
