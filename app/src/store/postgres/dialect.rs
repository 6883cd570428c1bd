//! PostgreSQL's spelling of what the two engines write differently.
use crate::store::Dialect;

impl Dialect for sqlx::Postgres {
    const NOW: &'static str = super::NOW;
    const INSTR: &'static str = "strpos";

    fn now_plus(seconds: i64) -> String {
        format!(
            "to_char((statement_timestamp() + make_interval(secs => {seconds})) AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        )
    }

    fn json_ids(p: &str) -> String {
        format!("(SELECT value::bigint FROM json_array_elements_text({p}::json) AS t(value))")
    }

    fn json_agg(value: &str, order: &str) -> String {
        format!("COALESCE(json_agg({value} ORDER BY {order})::text, '[]')")
    }

    fn json_array(values: &str) -> String {
        format!("json_build_array({values})")
    }
}
