//! `medpref db copy`: a whole database into an empty one, on either engine — SQLite to
//! PostgreSQL when a team outgrows one machine, and back for a copy to take home.
//!
//! Every table of the schema is copied row by row with its ids, parents before children (the
//! target checks its foreign keys as rows arrive), in one transaction on the target, its
//! triggers off meanwhile: the copied counters (`need`, `open_items`, …) are the source's, not
//! recomputed, and the append-only audit log is written as it is, links and all. At the end
//! both sides are read again and each table's row count and content checksum compared.
//! Sessions are not copied: users sign in again.
pub use super::Db;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::BTreeMap;

/// Rows read from the source and written to the target per statement.
const BATCH_ROWS: usize = 500;

/// Tables that are not medpref's data: the migrations' record and the session store's.
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "tower_sessions"];

/// A column's kind: what both engines store it as (`INTEGER`/`BIGINT`, `REAL`/`DOUBLE
/// PRECISION`, `TEXT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
    /// The primary key's columns: rows are read in this order.
    pub key: Vec<String>,
}

/// What was copied of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: String,
    pub rows: i64,
    /// SHA-256 of the table's rows in key order (see [`checksum`]), the same on both sides.
    pub sha256: String,
}

#[derive(Debug)]
pub enum CopyError {
    /// The target already holds data: copying would mix two databases.
    TargetNotEmpty {
        table: String,
    },
    /// The two schemas differ (one side's medpref is older): migrate both with one version.
    SchemaDiffers(String),
    /// A value the schema does not allow for its column (SQLite stores any type anywhere).
    BadValue {
        table: String,
        column: String,
        error: String,
    },
    /// After the copy, a table reads back differently: nothing should have been able to cause
    /// this, so the target must not be used.
    Mismatch {
        table: String,
        source: (i64, String),
        target: (i64, String),
    },
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError::Db(e)
    }
}

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyError::TargetNotEmpty { table } => {
                write!(f, "the target database is not empty (table {table} has rows): copy into a new database")
            }
            CopyError::SchemaDiffers(what) => write!(f, "the two schemas differ: {what}"),
            CopyError::BadValue { table, column, error } => write!(f, "table {table}, column {column}: {error}"),
            CopyError::Mismatch { table, source, target } => write!(
                f,
                "table {table} reads back differently: source {} rows sha256 {}, target {} rows sha256 {}",
                source.0, source.1, target.0, target.1
            ),
            CopyError::Db(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CopyError {}

/// One value as both engines hold it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// Copies every table of `from` into `to` (both already migrated to the same version) and
/// verifies the result. Refuses a target holding any row.
pub async fn copy(from: &Db, to: &Db) -> Result<Vec<Copied>, CopyError> {
    let tables = ordered(from).await?;
    let target_tables = tables_of(to).await?;
    let source_tables: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let target_named: BTreeMap<&str, &Table> = target_tables.iter().map(|t| (t.name.as_str(), t)).collect();
    if source_tables != target_named {
        let only = |a: &BTreeMap<&str, &Table>, b: &BTreeMap<&str, &Table>| -> Vec<String> {
            a.iter().filter(|(k, v)| b.get(*k) != Some(v)).map(|(k, _)| (*k).to_string()).collect()
        };
        return Err(CopyError::SchemaDiffers(format!(
            "tables or columns unlike the other side's: source {:?}, target {:?}",
            only(&source_tables, &target_named),
            only(&target_named, &source_tables)
        )));
    }
    for t in &tables {
        if has_rows(to, &t.name).await? {
            return Err(CopyError::TargetNotEmpty { table: t.name.clone() });
        }
    }
    let mut source = Snapshot::begin(from).await?;
    match to {
        Db::Sqlite(pool) => write_sqlite(&mut source, pool, &tables).await?,
        Db::Postgres(pool) => write_postgres(&mut source, pool, &tables).await?,
    }
    let mut target = Snapshot::begin(to).await?;
    let mut copied = Vec::new();
    for t in &tables {
        let source = checksum(&mut source, t).await?;
        let target = checksum(&mut target, t).await?;
        if source != target {
            return Err(CopyError::Mismatch { table: t.name.clone(), source, target });
        }
        copied.push(Copied { table: t.name.clone(), rows: source.0, sha256: source.1 });
    }
    Ok(copied)
}

/// The database's tables with their columns and keys, by name.
pub async fn tables_of(db: &Db) -> Result<Vec<Table>, CopyError> {
    let mut tables = Vec::new();
    match db {
        Db::Sqlite(pool) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
            for name in names.into_iter().filter(|n| !NOT_COPIED.contains(&n.as_str())) {
                let rows: Vec<(String, String, i64)> =
                    sqlx::query_as("SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid")
                        .bind(&name)
                        .fetch_all(pool)
                        .await?;
                tables.push(table(name, rows.into_iter())?);
            }
        }
        Db::Postgres(pool) => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables
                  WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
            )
            .fetch_all(pool)
            .await?;
            for name in names.into_iter().filter(|n| !NOT_COPIED.contains(&n.as_str())) {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT c.column_name::text, c.data_type::text,
                            COALESCE((SELECT k.ordinal_position FROM information_schema.key_column_usage k
                                        JOIN information_schema.table_constraints t
                                          ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema
                                       WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
                                         AND k.table_name = c.table_name AND k.column_name = c.column_name), 0)::int8
                       FROM information_schema.columns c
                      WHERE c.table_schema = current_schema() AND c.table_name = $1 ORDER BY c.ordinal_position",
                )
                .bind(&name)
                .fetch_all(pool)
                .await?;
                tables.push(table(name, rows.into_iter())?);
            }
        }
    }
    Ok(tables)
}

/// A table from its columns as (name, declared type, position in the primary key or 0).
fn table(name: String, columns: impl Iterator<Item = (String, String, i64)>) -> Result<Table, CopyError> {
    let mut cols = Vec::new();
    let mut key = Vec::new();
    for (column, ty, pk) in columns {
        let kind = match ty.to_ascii_lowercase().as_str() {
            "integer" | "bigint" => Kind::Int,
            "real" | "double precision" => Kind::Real,
            "text" => Kind::Text,
            other => {
                return Err(CopyError::SchemaDiffers(format!(
                    "{name}.{column} has type {other}, which medpref never uses"
                )));
            }
        };
        if pk > 0 {
            key.push((pk, column.clone()));
        }
        cols.push((column, kind));
    }
    key.sort();
    Ok(Table { name, columns: cols, key: key.into_iter().map(|(_, c)| c).collect() })
}

/// The tables in an order where every table comes after the tables it references.
async fn ordered(db: &Db) -> Result<Vec<Table>, CopyError> {
    let tables = tables_of(db).await?;
    let edges: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        )
        .fetch_all(pool)
        .await?,
        Db::Postgres(pool) => {
            sqlx::query_as(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
                  WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
            )
            .fetch_all(pool)
            .await?
        }
    };
    let mut left: Vec<Table> = tables;
    let mut order: Vec<Table> = Vec::new();
    while !left.is_empty() {
        let placed: Vec<&str> = order.iter().map(|t| t.name.as_str()).collect();
        let ready = left.iter().position(|t| {
            edges
                .iter()
                .filter(|(child, parent)| *child == t.name && *parent != t.name)
                .all(|(_, p)| placed.contains(&p.as_str()) || !left.iter().any(|l| l.name == *p))
        });
        let Some(i) = ready else {
            let names: Vec<&str> = left.iter().map(|t| t.name.as_str()).collect();
            return Err(CopyError::SchemaDiffers(format!("tables referencing each other in a cycle: {names:?}")));
        };
        order.push(left.remove(i));
    }
    Ok(order)
}

async fn has_rows(db: &Db, table: &str) -> Result<bool, CopyError> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table})");
    Ok(match db {
        Db::Sqlite(pool) => sqlx::query_scalar::<_, bool>(&sql).fetch_one(pool).await?,
        Db::Postgres(pool) => sqlx::query_scalar::<_, bool>(&sql).fetch_one(pool).await?,
    })
}

/// A consistent read of a whole database: every table as of one moment, even while servers
/// keep writing (a SQLite read transaction, a PostgreSQL repeatable-read one).
enum Snapshot {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Snapshot {
    async fn begin(db: &Db) -> Result<Self, CopyError> {
        Ok(match db {
            Db::Sqlite(pool) => Snapshot::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
                Snapshot::Postgres(tx)
            }
        })
    }

    /// The next `BATCH_ROWS` rows of the table in key order after the row whose key is
    /// `after` (the first ones when `None`).
    async fn batch(&mut self, t: &Table, after: Option<&[Value]>) -> Result<Vec<Vec<Value>>, CopyError> {
        let columns: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
        let key = t.key.join(", ");
        let placeholders = |pg: bool| -> String {
            (1..=t.key.len()).map(|i| if pg { format!("${i}") } else { "?".into() }).collect::<Vec<_>>().join(", ")
        };
        let sql = |pg: bool| {
            let from = if after.is_some() { format!("WHERE ({key}) > ({})", placeholders(pg)) } else { String::new() };
            format!("SELECT {} FROM {} {from} ORDER BY {key} LIMIT {BATCH_ROWS}", columns.join(", "), t.name)
        };
        let after = after.unwrap_or_default();
        Ok(match self {
            Snapshot::Sqlite(tx) => {
                let sql = sql(false);
                let rows = bind_all(sqlx::query(&sql), after).fetch_all(&mut **tx).await?;
                rows.iter().map(|r| decode(t, |i, k| value_of(r, i, k))).collect::<Result<_, _>>()?
            }
            Snapshot::Postgres(tx) => {
                let sql = sql(true);
                let rows = bind_all(sqlx::query(&sql), after).fetch_all(&mut **tx).await?;
                rows.iter().map(|r| decode(t, |i, k| value_of(r, i, k))).collect::<Result<_, _>>()?
            }
        })
    }
}

/// A row's key values, to read on after it.
fn key_of(t: &Table, row: &[Value]) -> Vec<Value> {
    t.key.iter().filter_map(|k| t.columns.iter().position(|(c, _)| c == k)).map(|i| row[i].clone()).collect()
}

fn bind_all<'q, DB>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    values: &[Value],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for v in values {
        q = match v.clone() {
            Value::Null => q.bind(None::<String>),
            Value::Int(v) => q.bind(Some(v)),
            Value::Real(v) => q.bind(Some(v)),
            Value::Text(v) => q.bind(Some(v)),
        };
    }
    q
}

fn decode(t: &Table, get: impl Fn(usize, Kind) -> Result<Value, sqlx::Error>) -> Result<Vec<Value>, CopyError> {
    t.columns
        .iter()
        .enumerate()
        .map(|(i, (column, kind))| {
            get(i, *kind).map_err(|e| CopyError::BadValue {
                table: t.name.clone(),
                column: column.clone(),
                error: e.to_string(),
            })
        })
        .collect()
}

/// A column's value as its kind, from a row of either engine.
fn value_of<R: Row>(r: &R, i: usize, kind: Kind) -> Result<Value, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(match kind {
        Kind::Int => r.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
        Kind::Real => r.try_get::<Option<f64>, _>(i)?.map_or(Value::Null, Value::Real),
        Kind::Text => r.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
    })
}

/// `INSERT INTO t (columns) ` for a batch.
fn insert_head(t: &Table) -> String {
    let columns: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
    format!("INSERT INTO {} ({}) ", t.name, columns.join(", "))
}

/// Binds one batch of rows into a multi-row insert, each NULL typed as its column (PostgreSQL
/// refuses a text NULL for a BIGINT column).
fn push_rows<'q, DB>(q: &mut sqlx::QueryBuilder<'q, DB>, t: &Table, rows: Vec<Vec<Value>>)
where
    DB: sqlx::Database,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<f64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    q.push_values(rows, |mut b, row| {
        for (value, (_, kind)) in row.into_iter().zip(&t.columns) {
            match (value, kind) {
                (Value::Null, Kind::Int) => b.push_bind(None::<i64>),
                (Value::Null, Kind::Real) => b.push_bind(None::<f64>),
                (Value::Null, Kind::Text) => b.push_bind(None::<String>),
                (Value::Int(v), _) => b.push_bind(Some(v)),
                (Value::Real(v), _) => b.push_bind(Some(v)),
                (Value::Text(v), _) => b.push_bind(Some(v)),
            };
        }
    });
}

/// Copies one table's rows from the snapshot into the target transaction, batch by batch.
/// (A macro rather than a function generic over the engine: SQLite's arguments borrow the
/// query they are built for, which a generic signature cannot say.)
macro_rules! copy_rows {
    ($engine:ty, $from:expr, $tx:expr, $t:expr) => {{
        let mut after = None;
        loop {
            let rows = $from.batch($t, after.as_deref()).await?;
            let Some(last) = rows.last() else { break };
            after = Some(key_of($t, last));
            let mut q = sqlx::QueryBuilder::<$engine>::new(insert_head($t));
            push_rows(&mut q, $t, rows);
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Into SQLite: its triggers are dropped for the copy and created again, in the one transaction.
async fn write_sqlite(from: &mut Snapshot, pool: &SqlitePool, tables: &[Table]) -> Result<(), CopyError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            .fetch_all(&mut *tx)
            .await?;
    for (name, _) in &triggers {
        sqlx::query(&format!("DROP TRIGGER {name}")).execute(&mut *tx).await?;
    }
    for t in tables {
        copy_rows!(sqlx::Sqlite, from, tx, t);
    }
    for (_, sql) in &triggers {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Into PostgreSQL: user triggers off for the copy (foreign keys stay checked), identity
/// sequences moved past the copied ids, in the one transaction.
async fn write_postgres(from: &mut Snapshot, pool: &PgPool, tables: &[Table]) -> Result<(), CopyError> {
    let mut tx = pool.begin().await?;
    for t in tables {
        sqlx::query(&format!("ALTER TABLE {} DISABLE TRIGGER USER", t.name)).execute(&mut *tx).await?;
    }
    for t in tables {
        copy_rows!(sqlx::Postgres, from, tx, t);
        sqlx::query(&format!("ALTER TABLE {} ENABLE TRIGGER USER", t.name)).execute(&mut *tx).await?;
        let identity: Option<String> = sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
        )
        .bind(&t.name)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(column) = identity {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) FROM {0}",
                t.name
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A table's row count and the SHA-256 of its rows in key order, each value written with its
/// kind (NULL, 64-bit integer, 64-bit float, UTF-8 text with its length), so that equal
/// content gives equal checksums on either engine.
async fn checksum(snapshot: &mut Snapshot, t: &Table) -> Result<(i64, String), CopyError> {
    let mut hash = Sha256::new();
    let mut count = 0i64;
    let mut after = None;
    loop {
        let rows = snapshot.batch(t, after.as_deref()).await?;
        let Some(last) = rows.last() else { break };
        after = Some(key_of(t, last));
        for row in rows {
            count += 1;
            for value in row {
                match value {
                    Value::Null => hash.update([0u8]),
                    Value::Int(v) => {
                        hash.update([1u8]);
                        hash.update(v.to_le_bytes());
                    }
                    Value::Real(v) => {
                        hash.update([2u8]);
                        hash.update(v.to_bits().to_le_bytes());
                    }
                    Value::Text(v) => {
                        hash.update([3u8]);
                        hash.update((v.len() as u64).to_le_bytes());
                        hash.update(v.as_bytes());
                    }
                }
            }
        }
    }
    Ok((count, hex::encode(hash.finalize())))
}
