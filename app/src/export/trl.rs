//! TRL's dataset shapes (https://huggingface.co/docs/trl/dataset_formats).
use serde::Serialize;

/// A preference pair in TRL's standard (plain string) form.
#[derive(Serialize)]
pub struct DpoStandard<'a> {
    pub prompt: &'a str,
    pub chosen: &'a str,
    pub rejected: &'a str,
}
