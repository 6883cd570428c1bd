//! The models an admin has made available: the subdirectories of one folder (`medpref serve
//! --models DIR`, or `MEDPREF_MODELS_DIR`) and the OpenAI-compatible endpoints configured in
//! the admin console. Datasets name a model; nobody names a path or an address in a request,
//! so no request can make the server read a file or call a host of its choosing.
use super::engine::Engine;
use super::remote::Endpoint;
use super::reward::RewardModel;
use super::worker::Generator;
use crate::store::Db;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub enum ModelError {
    /// No such model (an admin named one that is not there).
    NotInstalled(String),
    /// It is there but would not start (bad files, no runtime library, a bad address).
    Failed(String),
}

pub struct Models {
    dir: Option<PathBuf>,
    threads: usize,
    running: Mutex<HashMap<String, Arc<Generator>>>,
    rewards: Mutex<HashMap<String, Arc<RewardModel>>>,
    endpoints: Mutex<HashMap<String, Arc<Endpoint>>>,
}

impl Models {
    pub fn new(dir: Option<PathBuf>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Models { dir, threads, running: Mutex::default(), rewards: Mutex::default(), endpoints: Mutex::default() }
    }

    /// The local models on offer: subdirectories with a `tokenizer.json`, by name.
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

    fn local_dir(&self, name: &str) -> Result<PathBuf, ModelError> {
        if !self.names().iter().any(|n| n == name) {
            return Err(ModelError::NotInstalled(name.to_string()));
        }
        Ok(self.dir.as_ref().expect("names come from the folder").join(name))
    }

    /// The running local model `name`, started on first use (loading can take seconds:
    /// callers on the async runtime go through `spawn_blocking`).
    pub fn get(&self, name: &str) -> Result<Arc<Generator>, ModelError> {
        match self.running(name) {
            Some(g) => Ok(g),
            None => self.start(&self.local_dir(name)?, name),
        }
    }

    fn running(&self, name: &str) -> Option<Arc<Generator>> {
        self.running.lock().expect("models lock").get(name).cloned()
    }

    fn start(&self, dir: &std::path::Path, name: &str) -> Result<Arc<Generator>, ModelError> {
        let generator = Arc::new(Generator::start(dir, self.threads).map_err(ModelError::Failed)?);
        let mut running = self.running.lock().expect("models lock");
        Ok(running.entry(name.to_string()).or_insert(generator).clone())
    }

    /// The reward model `name` (a directory of the models folder), loaded on first use. Blocking.
    pub fn reward(&self, name: &str) -> Result<Arc<RewardModel>, ModelError> {
        if let Some(r) = self.rewards.lock().expect("models lock").get(name) {
            return Ok(r.clone());
        }
        let model = Arc::new(RewardModel::open(&self.local_dir(name)?, self.threads).map_err(ModelError::Failed)?);
        let mut rewards = self.rewards.lock().expect("models lock");
        Ok(rewards.entry(name.to_string()).or_insert(model).clone())
    }

    /// What writes answers for a dataset whose model is `name`: a local model of that name,
    /// else the configured endpoint of that name.
    pub async fn engine(self: &Arc<Self>, pool: &Db, name: &str) -> Result<Engine, ModelError> {
        if let Some(g) = self.running(name) {
            return Ok(Engine::Local(g));
        }
        if let Ok(dir) = self.local_dir(name) {
            let (models, name) = (self.clone(), name.to_string());
            return match tokio::task::spawn_blocking(move || models.start(&dir, &name)).await {
                Ok(result) => result.map(Engine::Local),
                Err(e) => Err(ModelError::Failed(e.to_string())),
            };
        }
        let config = crate::store::endpoints::by_name(pool, name)
            .await
            .map_err(|e| ModelError::Failed(e.to_string()))?
            .ok_or_else(|| ModelError::NotInstalled(name.to_string()))?;
        let mut endpoints = self.endpoints.lock().expect("models lock");
        // An admin may have changed the endpoint since it was last used.
        if let Some(e) = endpoints.get(name).filter(|e| e.config() == &config) {
            return Ok(Engine::Remote(e.clone()));
        }
        let e = Arc::new(Endpoint::new(config).map_err(ModelError::Failed)?);
        endpoints.insert(name.to_string(), e.clone());
        Ok(Engine::Remote(e))
    }
}
