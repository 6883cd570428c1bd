//! `medpref job …`: start, list, pause, resume and cancel batch generation jobs from the
//! command line, through the same functions as the browser. The work itself is done by a
//! running server's job runner, which picks new jobs up within seconds.
use app::generate::jobs::{JobAction, JobSpec, JobView, Pairing, Selection, ssr};
use clap::Subcommand;
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum JobCommand {
    /// Generate N answers per selected item, score them, and make new review items.
    Start {
        #[arg(long)]
        dataset: String,
        /// both_bad, unsafe, fewer_than (with --k) or all.
        #[arg(long)]
        selection: Selection,
        #[arg(long, default_value_t = 3)]
        k: u32,
        #[arg(long, default_value_t = 4)]
        n: u32,
        /// best_vs_original or best_vs_worst.
        #[arg(long, default_value = "best_vs_original")]
        pairing: Pairing,
        #[arg(long, default_value_t = 256)]
        max_new_tokens: u32,
        #[arg(long, default_value_t = 0.7)]
        temperature: f32,
        #[arg(long, default_value_t = 0.9)]
        top_p: f32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Generate nothing: give the selected items' unscored answers the reward model's score.
        #[arg(long)]
        score_only: bool,
    },
    /// A dataset's jobs with their progress.
    List {
        #[arg(long)]
        dataset: String,
    },
    Pause {
        job: i64,
    },
    Resume {
        job: i64,
    },
    Cancel {
        job: i64,
    },
}

fn print(view: &JobView) {
    let job = &view.status;
    let failed = if job.failed > 0 { format!(", {} failed", job.failed) } else { String::new() };
    say!(
        "job {}: {} — {}/{} items{failed}, {} new items{}",
        job.id,
        job.state,
        job.done + job.failed,
        job.items,
        job.created,
        job.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
    );
    for failure in &view.failures {
        say!("  {} items failed: {}", failure.items, failure.reason);
    }
}

pub async fn run(data_dir: &Path, command: JobCommand) -> crate::cli::CliResult {
    let pool = crate::open_store(data_dir).await?;
    let pool = &pool;
    let action = |job, action| async move { ssr::apply(pool, None, job, action).await.map_err(|e| e.to_string()) };
    let job = match command {
        JobCommand::Start {
            dataset,
            selection,
            k,
            n,
            pairing,
            max_new_tokens,
            temperature,
            top_p,
            seed,
            score_only,
        } => {
            let decoding = app::domain::decoding::Decoding {
                temperature,
                top_k: 0,
                top_p,
                max_new_tokens: max_new_tokens as usize,
            };
            let spec = JobSpec { selection, k, n, pairing, decoding, seed, score_only };
            ssr::create(pool, None, dataset, &spec).await.map_err(|e| e.to_string())?
        }
        JobCommand::List { dataset } => {
            for job in ssr::of_dataset(pool, dataset).await.map_err(|e| e.to_string())?.jobs {
                print(&job);
            }
            return Ok(());
        }
        JobCommand::Pause { job } => action(job, JobAction::Pause).await?,
        JobCommand::Resume { job } => action(job, JobAction::Resume).await?,
        JobCommand::Cancel { job } => action(job, JobAction::Cancel).await?,
    };
    print(&job);
    Ok(())
}
