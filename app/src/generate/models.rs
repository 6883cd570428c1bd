//! The local models an admin has made available: the subdirectories of one folder
//! (`medpref serve --models DIR`, or `MEDPREF_MODELS_DIR`). Datasets name a model; nobody
//! names a path, so no request can make the server read a file of its choosing.
use super::worker::Generator;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub enum ModelError {
    /// No such model in the folder (an admin named one that is not there).
    NotInstalled(String),
    /// It is there but would not start (bad files, no runtime library).
    Failed(String),
}

pub struct Models {
    dir: Option<PathBuf>,
    threads: usize,
    running: Mutex<HashMap<String, Arc<Generator>>>,
}

impl Models {
    pub fn new(dir: Option<PathBuf>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Models { dir, threads, running: Mutex::new(HashMap::new()) }
    }

    /// The models on offer: subdirectories with a `tokenizer.json`, by name.
    pub fn names(&self) -> Vec<String> {
        let Some(dir) = &self.dir else { return vec![] };
        let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("tokenizer.json").is_file())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .collect();
        names.sort();
        names
    }

    /// The running model `name`, started on first use (loading can take seconds: callers on
    /// the async runtime go through `spawn_blocking`).
    pub fn get(&self, name: &str) -> Result<Arc<Generator>, ModelError> {
        if let Some(g) = self.running.lock().expect("models lock").get(name) {
            return Ok(g.clone());
        }
        if !self.names().iter().any(|n| n == name) {
            return Err(ModelError::NotInstalled(name.to_string()));
        }
        let dir = self.dir.as_ref().expect("names come from the folder").join(name);
        let generator = Arc::new(Generator::start(&dir, self.threads).map_err(ModelError::Failed)?);
        let mut running = self.running.lock().expect("models lock");
        Ok(running.entry(name.to_string()).or_insert(generator).clone())
    }
}
