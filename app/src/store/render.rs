//! Stored HTML of the texts reviewers are served. New texts are rendered when they are
//! written; this pass renders the rows stored before that, in small batches so that no
//! write transaction is long and rendering never happens under the write lock. The caller
//! names the renderer (`markdown::render`): the store keeps HTML, it does not make it.
use super::Db;

/// Text to HTML.
pub type Render = fn(&str) -> String;

const BATCH: i64 = 500;

type ItemRow = (i64, Option<String>, String, String);

/// Renders every item and answer that has no stored HTML yet. Returns how many rows it
/// rendered. Safe to run beside reviewers: a row is only written while it is still unrendered.
pub async fn render_missing(db: &Db, render: Render) -> Result<u64, sqlx::Error> {
    on!(db, pool => {
        let mut rendered = 0;
        let mut after = 0;
        loop {
            let rows: Vec<ItemRow> = sqlx::query_as(
                "SELECT id, system, history, question FROM items WHERE id > $1 AND question_html IS NULL ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(BATCH)
            .fetch_all(pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            let html = tokio::task::spawn_blocking(move || {
                rows.into_iter().map(|row| render_item(row, render)).collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("rendering: {e}")))??;
            let mut tx = begin_write(pool).await?;
            for (id, system, history, question) in &html {
                sqlx::query(
                    "UPDATE items SET system_html = $1, history_html = $2, question_html = $3 WHERE id = $4 AND question_html IS NULL",
                )
                .bind(system)
                .bind(history)
                .bind(question)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            rendered += html.len() as u64;
        }
        let mut after = 0;
        loop {
            let rows: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, body FROM candidates WHERE id > $1 AND body_html IS NULL ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(pool)
                    .await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            let html = tokio::task::spawn_blocking(move || {
                rows.into_iter().map(|(id, body)| (id, render(&body))).collect::<Vec<_>>()
            })
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("rendering: {e}")))?;
            let mut tx = begin_write(pool).await?;
            for (id, body) in &html {
                sqlx::query("UPDATE candidates SET body_html = $1 WHERE id = $2 AND body_html IS NULL")
                    .bind(body)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            rendered += html.len() as u64;
        }
        Ok(rendered)
    })
}

fn render_item(
    (id, system, history, question): ItemRow,
    render: Render,
) -> Result<(i64, Option<String>, String, String), sqlx::Error> {
    let turns: Vec<(String, String)> = serde_json::from_str(&history).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let turns: Vec<(String, String)> = turns.iter().map(|(q, a)| (render(q), render(a))).collect();
    let history = serde_json::to_string(&turns).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok((id, system.as_deref().map(render), history, render(&question)))
}
