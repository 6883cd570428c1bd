//! SQLite's spelling of what the two engines write differently.
use crate::store::Dialect;

impl Dialect for sqlx::Sqlite {
    const NOW: &'static str = super::NOW;
    const INSTR: &'static str = "instr";

    fn now_plus(seconds: i64) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '{seconds:+} seconds')")
    }

    fn json_ids(p: &str) -> String {
        format!("(SELECT value FROM json_each({p}))")
    }

    fn json_agg(value: &str, order: &str) -> String {
        format!("json_group_array({value} ORDER BY {order})")
    }

    fn json_array(values: &str) -> String {
        format!("json_array({values})")
    }
}
