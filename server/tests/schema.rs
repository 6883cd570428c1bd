//! The two engines' schemas cannot drift (issue 19): after every migration of each engine
//! (`migrations/sqlite`, `migrations/postgres`, mirrored file by file), both databases have
//! the same tables, columns (kind, NOT NULL, default), keys, unique and foreign-key constraints,
//! CHECK constraints, indexes (columns, uniqueness, partial predicate), views and triggers.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use sqlx::{PgPool, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
struct TableShape {
    /// (name, kind, not null, default), in declaration order.
    columns: Vec<(String, &'static str, bool, Option<String>)>,
    primary_key: Vec<String>,
    unique: BTreeSet<Vec<String>>,
    /// (columns, parent table, parent columns, on delete)
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
    checks: usize,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, TableShape>,
    /// (name, table, columns, unique, partial predicate)
    indexes: BTreeSet<(String, String, String, bool, Option<String>)>,
    views: BTreeSet<String>,
    /// (name, table)
    triggers: BTreeSet<(String, String)>,
}

/// What both engines mean by a column's declared type.
fn kind(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "real" | "double precision" => "real",
        "text" => "text",
        other => panic!("a type medpref does not use: {other}"),
    }
}

/// An SQL expression without the spelling each engine adds: parentheses, casts, case, spaces.
fn expression(sql: &str) -> String {
    let mut s = sql.to_lowercase();
    for cast in ["::text", "::bigint", "::integer"] {
        s = s.replace(cast, "");
    }
    s.chars().filter(|c| !c.is_whitespace() && *c != '(' && *c != ')' && *c != '"').collect()
}

/// A column default: "now" for the store's timestamp, otherwise the literal.
fn default(sql: Option<String>) -> Option<String> {
    let sql = sql?;
    if sql.contains("strftime") || sql.contains("medpref_now") {
        return Some("now".into());
    }
    Some(expression(&sql))
}

/// Which columns, comma-separated, an index covers, and its predicate, from its definition.
fn index_parts(definition: &str) -> (String, Option<String>) {
    let lower = definition.to_lowercase();
    let open = lower.find('(').unwrap();
    let mut depth = 0;
    let mut close = open;
    for (i, c) in lower[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    let columns = expression(&lower[open + 1..close]);
    let predicate = lower[close..].find(" where ").map(|w| expression(&lower[close + w + 7..]));
    (columns, predicate)
}

/// How many CHECK constraints a CREATE TABLE statement declares.
fn checks_in(sql: &str) -> usize {
    let squeezed: String = sql.to_lowercase().split_whitespace().collect();
    squeezed.matches("check(").count()
}

async fn sqlite_schema(pool: &SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, sql) in tables {
        let mut shape = TableShape { checks: checks_in(&sql), ..Default::default() };
        let columns: Vec<(String, String, bool, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        let mut key = Vec::new();
        for (name, ty, not_null, dflt, pk) in columns {
            if pk > 0 {
                key.push((pk, name.clone()));
            }
            shape.columns.push((name, kind(&ty), not_null || pk > 0, default(dflt)));
        }
        key.sort();
        shape.primary_key = key.into_iter().map(|(_, c)| c).collect();
        let uniques: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_index_list(?) WHERE origin = 'u' AND \"unique\" = 1")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        for index in uniques {
            let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                .bind(&index)
                .fetch_all(pool)
                .await
                .unwrap();
            shape.unique.insert(cols);
        }
        let fks: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut grouped: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for (id, parent, from, to, on_delete) in fks {
            let e = grouped.entry(id).or_insert_with(|| (vec![], parent, vec![], on_delete.to_lowercase()));
            e.0.push(from);
            e.2.push(to);
        }
        shape.foreign_keys = grouped.into_values().collect();
        schema.tables.insert(table, shape);
    }
    let indexes: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(pool)
            .await
            .unwrap();
    for (name, table, sql) in indexes {
        let (columns, predicate) = index_parts(&sql);
        let unique = sql.to_lowercase().starts_with("create unique");
        schema.indexes.insert((name, table, columns, unique, predicate));
    }
    let objects: Vec<(String, String, String)> =
        sqlx::query_as("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger')")
            .fetch_all(pool)
            .await
            .unwrap();
    for (ty, name, table) in objects {
        if ty == "view" {
            schema.views.insert(name);
        } else {
            schema.triggers.insert((name, table));
        }
    }
    schema
}

/// A PostgreSQL constraint: type, columns, parent table and columns (foreign keys), on delete.
type Constraint = (String, Vec<String>, Option<String>, Vec<String>, String);

async fn pg_schema(pool: &PgPool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        let mut shape = TableShape::default();
        let columns: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text, column_default::text
               FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for (name, ty, nullable, dflt) in columns {
            shape.columns.push((name, kind(&ty), nullable == "NO", default(dflt)));
        }
        // Each constraint with its columns in key order, and the parent's for foreign keys.
        let constraints: Vec<Constraint> = sqlx::query_as(
            "SELECT c.contype::text,
                    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
                    c.confrelid::regclass::text,
                    ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o),
                    c.confdeltype::text
               FROM pg_constraint c WHERE c.conrelid = $1::regclass",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for (ty, cols, parent, parent_cols, on_delete) in constraints {
            match ty.as_str() {
                "p" => shape.primary_key = cols,
                "u" => {
                    shape.unique.insert(cols);
                }
                "f" => {
                    let on_delete = match on_delete.as_str() {
                        "c" => "cascade",
                        "n" => "set null",
                        _ => "no action",
                    };
                    shape.foreign_keys.insert((cols, parent.unwrap(), parent_cols, on_delete.into()));
                }
                "c" => shape.checks += 1,
                other => panic!("constraint type {other} on {table}"),
            }
        }
        schema.tables.insert(table, shape);
    }
    // Indexes that back a constraint are the constraint, as in SQLite.
    let indexes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT i.indexname::text, i.tablename::text, i.indexdef FROM pg_indexes i
          WHERE i.schemaname = 'public' AND i.tablename NOT LIKE '\\_sqlx%'
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, table, definition) in indexes {
        let (columns, predicate) = index_parts(&definition);
        let unique = definition.to_lowercase().starts_with("create unique");
        schema.indexes.insert((name, table, columns, unique, predicate));
    }
    let views: Vec<String> =
        sqlx::query_scalar("SELECT table_name::text FROM information_schema.views WHERE table_schema = 'public'")
            .fetch_all(pool)
            .await
            .unwrap();
    schema.views = views.into_iter().collect();
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT trigger_name::text, event_object_table::text FROM information_schema.triggers
          WHERE trigger_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    schema.triggers = triggers.into_iter().collect();
    schema
}

#[tokio::test]
async fn both_engines_have_the_same_schema_after_their_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = app::store::sqlite::open(&dir.path().join("medpref.db")).await.unwrap();
    let pg = app::store::postgres::open(&common::pg::database().await).await.unwrap();
    let (a, b) = (sqlite_schema(&sqlite).await, pg_schema(&pg).await);
    assert!(a.tables.len() >= 24 && a.indexes.len() >= 20 && a.triggers.len() >= 11, "{a:#?}");
    for (name, shape) in &a.tables {
        assert_eq!(Some(shape), b.tables.get(name), "table {name}: SQLite (left) and PostgreSQL (right) differ");
    }
    let names = |s: &Schema| s.tables.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "tables");
    assert_eq!(a.indexes, b.indexes, "indexes");
    assert_eq!(a.views, b.views, "views");
    assert_eq!(a.triggers, b.triggers, "triggers");
    // The mirrored trees: the same migration names, so both are at the same version.
    let lite: Vec<(i64, String)> = sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&sqlite)
        .await
        .unwrap();
    let post: Vec<(i64, String)> = sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&pg)
        .await
        .unwrap();
    assert_eq!(lite, post);
}

#[test]
fn the_comparison_sees_a_difference() {
    // The normalisation must not make different things equal.
    assert_ne!(index_parts("CREATE INDEX a ON t (x, y)"), index_parts("CREATE INDEX a ON t (y, x)"));
    assert_ne!(
        index_parts("CREATE INDEX a ON t (x) WHERE need > 0"),
        index_parts("CREATE INDEX a ON public.t USING btree (x) WHERE (need > 1)")
    );
    assert_eq!(
        index_parts(
            "CREATE INDEX assignments_live ON assignments (lease_expires_at) WHERE state = 'leased' AND counted = 1"
        ),
        index_parts(
            "CREATE INDEX assignments_live ON public.assignments USING btree (lease_expires_at) WHERE ((state = 'leased'::text) AND (counted = 1))"
        )
    );
    assert_eq!(default(Some("'[]'::text".into())), default(Some("'[]'".into())));
    assert_ne!(default(Some("'[]'".into())), default(Some("'{}'".into())));
}
