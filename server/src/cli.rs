//! `medpref` on the command line. Each command calls the same code as the HTTP API.
use app::datasets::admin::DatasetConfig;
use app::domain::judgment::{AxisSetting, GoldVote, RationaleRule};
use app::domain::{DatasetName, NewPassword, Role, Username};
use app::export::{ExportFormat, ExportPolicy, ExportRequest};
use app::flag::{Category, FlagStatus, Verdict};
use app::import::qa::FieldMapping;
use app::import::{ImportFailure, ImportFormat, ImportOptions, OnError};
use app::store::engine::DatabaseUrl;
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "medpref", version, about = "Clinician review of Chinese medical LLM training data")]
pub struct Cli {
    /// Directory holding the database (medpref.db).
    #[arg(long, env = "MEDPREF_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// The database: `sqlite://FILE` or `postgres://USER@HOST/DATABASE`. Default: the SQLite
    /// file in the data directory. So far `migrate` and `db copy` take any URL; the other
    /// commands use the SQLite database of the data directory.
    #[arg(long, env = "MEDPREF_DATABASE_URL", global = true)]
    pub database: Option<DatabaseUrl>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app (the default command).
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import a file into a dataset (created if new). All or nothing by default; with
    /// `--on-error quarantine`, every valid record, and the bad lines in a reject file.
    Import {
        #[arg(long)]
        dataset: DatasetName,
        #[arg(long)]
        format: ImportFormat,
        /// For `--format jsonl`: `question=FIELD,answer=FIELD[,system=FIELD][,department=FIELD]`.
        #[arg(long)]
        mapping: Option<FieldMapping>,
        /// The model that wrote the answers, when the file does not say (kept as provenance).
        #[arg(long)]
        generator: Option<String>,
        /// `reject` (the default): a bad line refuses the whole file. `quarantine`: import every
        /// valid record and write each bad line, with its line number and reason, to the
        /// reject file (kept with the import; `--rejects` says where to write a copy).
        #[arg(long, default_value = "reject")]
        on_error: OnError,
        /// Where quarantine mode writes the reject file (JSON Lines). Default: FILE.rejects.jsonl.
        #[arg(long)]
        rejects: Option<PathBuf>,
        file: PathBuf,
    },
    /// Export a dataset: aggregated preference data or SFT records, with a manifest beside
    /// it (`NAME.manifest.json`) and, for LLaMA-Factory formats, its entry merged into
    /// `dataset_info.json` in the same folder.
    Export {
        #[arg(long)]
        dataset: DatasetName,
        #[arg(long)]
        format: ExportFormat,
        /// A policy file (JSON, the fields of the README's export policy).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// One policy field, e.g. `--set min_judgments=2 --set flagged=redact`; overrides the file.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        out: PathBuf,
    },
    /// Search a dataset's items (substring, as in the browser) and list a page of them.
    Items {
        #[arg(long)]
        dataset: DatasetName,
        /// Text in the question, the system text or an answer.
        #[arg(long, default_value = "")]
        q: String,
        /// unreviewed, in-progress, complete, gold or excluded.
        #[arg(long, default_value = "")]
        state: String,
        /// any, none, or a flag kind (e.g. phone, unsafe_advice).
        #[arg(long, default_value = "")]
        flag: String,
        /// A department, or `-` for items without one.
        #[arg(long, default_value = "")]
        department: String,
        /// Items this reviewer voted on or corrected.
        #[arg(long, default_value = "")]
        reviewer: String,
        /// The page after this item id (printed as `next` under a full page).
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
    /// Set up how a dataset is reviewed.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Act on a dataset's flags by category.
    #[command(subcommand)]
    Flags(FlagsCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the database while the server runs (SQLite's `VACUUM
    /// INTO`), then check the copy: integrity, the audit log's links, rows per table.
    Backup {
        /// The new file; it must not exist yet.
        dest: PathBuf,
    },
    /// Replace the database with a backup, after checking it as `backup` does. Stop the
    /// server first; `--replace` is needed when the data directory already has a database.
    Restore {
        source: PathBuf,
        #[arg(long)]
        replace: bool,
    },
    /// Mark an item as gold (known answer), or unmark it with `--answer none`.
    Gold {
        #[arg(long)]
        dataset: DatasetName,
        #[arg(long)]
        item: i64,
        /// `1` or `2` (that answer, by position in the source, is better), `tie`, `both_bad`, or `none`.
        #[arg(long)]
        answer: String,
    },
    /// Generate an answer with a local model directory (ONNX decoder, tokenizer.json,
    /// generation_config.json), streamed to standard output; speed on standard error.
    /// ONNX Runtime comes from MEDPREF_ORT_DYLIB.
    Generate {
        #[arg(long)]
        model: PathBuf,
        /// The prompt as given to the model (apply a template yourself, e.g. ChatML).
        #[arg(long)]
        prompt: String,
        #[arg(long, default_value_t = 128)]
        max_new_tokens: usize,
        /// 0: greedy.
        #[arg(long, default_value_t = 0.0)]
        temperature: f32,
        #[arg(long, default_value_t = 0)]
        top_k: usize,
        #[arg(long, default_value_t = 1.0)]
        top_p: f32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long = "stop")]
        stop: Vec<String>,
        /// ONNX Runtime threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// A dataset's agreement and bias report (as the agreement page shows it), as JSON.
    Agreement {
        #[arg(long)]
        dataset: String,
    },
    /// Every judgment of a dataset as raw data (the same file as `POST /api/judgments_export`),
    /// written to standard output.
    Judgments {
        #[arg(long)]
        dataset: String,
        /// `jsonl` or `csv`.
        #[arg(long, default_value = "jsonl")]
        format: app::audit::judgments::JudgmentsFormat,
        /// `pseudonymous` (R1, R2, …) or `usernames`.
        #[arg(long, default_value = "pseudonymous")]
        names: app::audit::judgments::ReviewerNames,
    },
    /// Batch generation jobs; a running server (`serve`) does the work.
    #[command(subcommand)]
    Job(crate::jobs::JobCommand),
    /// Create a demo database from the bundled real samples, with fresh demo accounts.
    Demo,
    /// Create the database or bring its schema up to date, then exit.
    Migrate,
    /// Whole databases: copying between engines.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Copy a whole database into a new, empty one — SQLite to PostgreSQL or back — ids,
    /// audit log and all (sessions excepted: users sign in again), then verify row counts and
    /// content checksums table by table. Reads one consistent snapshot of the source, so the
    /// source's servers may keep running; stop them before switching over, or the writes made
    /// after the snapshot stay behind.
    Copy {
        #[arg(long)]
        from: DatabaseUrl,
        #[arg(long)]
        to: DatabaseUrl,
    },
}

#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Change review settings; options left out keep their value.
    Configure {
        #[arg(long)]
        dataset: DatasetName,
        /// How many different reviewers judge each item (1 to 50).
        #[arg(long)]
        overlap: Option<i64>,
        /// How long a served item stays reserved for its reviewer.
        #[arg(long)]
        lease_minutes: Option<i64>,
        /// Rating axes shown, in order; `!` marks required, e.g. `correctness!,safety!,empathy`.
        #[arg(long)]
        axes: Option<String>,
        /// When a rationale is required: never, strong, both_bad, strong_or_both_bad, always.
        #[arg(long)]
        rationale: Option<RationaleRule>,
        /// Share of served items that are gold items (0 to 0.5).
        #[arg(long)]
        gold_rate: Option<f64>,
        /// A markdown file with the reviewers' guidelines.
        #[arg(long)]
        guidelines: Option<PathBuf>,
        /// For answers with fixed choices (PromptCBLUE): the answer meaning "none fits".
        #[arg(long)]
        no_match_answer: Option<String>,
        /// The department (科室) the dataset belongs to ("" clears it).
        #[arg(long)]
        department: Option<String>,
        /// How prompts are put to a model: `chatml`, `chimed` (`[human]:…\n[bot]:`), or a text
        /// with `{question}` and optionally `{system}`, substituted as is ("" clears it).
        #[arg(long)]
        prompt_template: Option<String>,
        /// The model that regenerates answers: a directory of the models folder or a configured
        /// endpoint ("" clears it).
        #[arg(long)]
        model: Option<String>,
        /// The reward model that scores generated answers, a directory of the models folder
        /// ("" clears it: answers are scored by mean token log-probability).
        #[arg(long)]
        reward_model: Option<String>,
        /// Sampling when reviewers regenerate: temperature (0: greedy).
        #[arg(long)]
        temperature: Option<f32>,
        /// … top-p.
        #[arg(long)]
        top_p: Option<f32>,
        /// … top-k (0: no limit).
        #[arg(long)]
        top_k: Option<usize>,
        /// … the most new tokens per answer.
        #[arg(long)]
        max_new_tokens: Option<usize>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Checks every link of the hash-chained audit log; names the first broken one (exit 1).
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum FlagsCommand {
    /// Open spans per category, and whether each keeps texts out of exports.
    List {
        #[arg(long)]
        dataset: DatasetName,
    },
    /// Confirm or dismiss every open span of one category. Without `--yes` it only says how
    /// many spans it would change.
    Bulk {
        #[arg(long)]
        dataset: DatasetName,
        #[arg(long)]
        category: Category,
        /// `confirm` or `dismiss`.
        #[arg(long)]
        verdict: Verdict,
        #[arg(long)]
        yes: bool,
    },
    /// Turn gating by one category on or off for a dataset (`--gates on` / `off`).
    Gate {
        #[arg(long)]
        dataset: DatasetName,
        #[arg(long)]
        category: Category,
        #[arg(long, value_parser = ["on", "off"])]
        gates: String,
    },
}

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    #[arg(long, env = "MEDPREF_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: Option<SocketAddr>,
    /// Mark the session cookie Secure (when served behind HTTPS).
    #[arg(long, env = "MEDPREF_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// A folder whose subdirectories are local models (ONNX decoder, tokenizer.json,
    /// generation_config.json); datasets name one to regenerate answers.
    #[arg(long = "models", env = "MEDPREF_MODELS_DIR")]
    pub models: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is read from the terminal (hidden) or from stdin's first line.
    Add {
        #[arg(long)]
        role: Role,
        /// A department (科室) whose items this reviewer gets first; repeat for several.
        #[arg(long = "specialty")]
        specialties: Vec<String>,
        name: Username,
    },
    /// Replace a reviewer's specialties (none given: clear them).
    Specialties { name: Username, specialties: Vec<String> },
}

pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(cli: Cli) -> CliResult {
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Some(url) = &cli.database {
        let own_file = matches!(url, DatabaseUrl::Sqlite(path) if *path == crate::database_path(&cli.data_dir));
        if !own_file && !matches!(command, Command::Migrate | Command::Db(_)) {
            return Err(format!(
                "--database {url}: this medpref runs `migrate` and `db copy` on any database; \
                 the other commands use the SQLite database of --data-dir ({})",
                crate::database_path(&cli.data_dir).display()
            )
            .into());
        }
    }
    match command {
        Command::Serve(args) => serve(cli.data_dir, args).await,
        Command::User(UserCommand::Add { role, specialties, name }) => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let password = NewPassword::parse(read_password()?)?;
            let id = app::auth::accounts::create(&pool, None, &name, &password, role).await?;
            if !specialties.is_empty() {
                app::store::users::set_specialties(&pool, &name, &specialties, None).await?;
            }
            say!("created {role} `{name}` (id {id})");
            Ok(())
        }
        Command::User(UserCommand::Specialties { name, specialties }) => {
            let pool = crate::open_store(&cli.data_dir).await?;
            if !app::store::users::set_specialties(&pool, &name, &specialties, None).await? {
                return Err(format!("no user named `{name}`").into());
            }
            say!("`{name}` specialties: {}", specialties.join(", "));
            Ok(())
        }
        Command::Dataset(DatasetCommand::Configure {
            dataset,
            overlap,
            lease_minutes,
            axes,
            rationale,
            gold_rate,
            guidelines,
            no_match_answer,
            department,
            prompt_template,
            model,
            reward_model,
            temperature,
            top_p,
            top_k,
            max_new_tokens,
        }) => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let current = app::store::datasets::by_name(&pool, &dataset)
                .await?
                .ok_or_else(|| format!("no dataset named `{dataset}`"))?;
            let mut settings = current.review_settings()?;
            if let Some(axes) = axes {
                settings.axes = AxisSetting::parse_list(&axes)?;
            }
            if let Some(r) = rationale {
                settings.rationale = r;
            }
            if let Some(g) = gold_rate {
                settings.gold_rate = g;
            }
            if let Some(n) = no_match_answer {
                settings.no_match_answer = Some(n).filter(|n| !n.trim().is_empty());
            }
            if let Some(m) = model {
                settings.model = Some(m).filter(|m| !m.trim().is_empty());
            }
            if let Some(m) = reward_model {
                settings.reward_model = Some(m).filter(|m| !m.trim().is_empty());
            }
            let r = &mut settings.regeneration;
            r.temperature = temperature.unwrap_or(r.temperature);
            r.top_p = top_p.unwrap_or(r.top_p);
            r.top_k = top_k.unwrap_or(r.top_k);
            r.max_new_tokens = max_new_tokens.unwrap_or(r.max_new_tokens);
            let guidelines = match guidelines {
                Some(path) => {
                    Some(std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?)
                }
                None => None,
            };
            let config = DatasetConfig {
                overlap_target: overlap,
                lease_seconds: lease_minutes.map(|m| m * 60),
                settings: Some(settings),
                guidelines,
                department,
                prompt_template,
            };
            app::datasets::admin::ssr::configure(&pool, dataset.to_string(), &config, None)
                .await
                .map_err(|e| e.to_string())?;
            say!("configured `{dataset}`");
            Ok(())
        }
        Command::Job(command) => crate::jobs::run(&cli.data_dir, command).await,
        Command::Agreement { dataset } => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let report = app::audit::ssr::agreement_of(&pool, dataset).await.map_err(|e| e.to_string())?;
            say!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Judgments { dataset, format, names } => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let name = DatasetName::parse(dataset)?;
            let record = app::store::datasets::by_name(&pool, &name).await?.ok_or(format!("no dataset `{name}`"))?;
            let judgments =
                app::audit::judgments::ssr::collect(&pool, record.id, names).await.map_err(|e| e.to_string())?;
            let detail = serde_json::json!({ "dataset": record.name, "format": format, "names": names,
                                             "judgments": judgments.len() });
            app::store::audit::append(&pool, None, "judgments.export", "dataset", Some(record.id.0), detail).await?;
            let text = app::audit::judgments::ssr::write(&judgments, format);
            say!("{}", text.trim_end_matches('\n'));
            Ok(())
        }
        Command::Flags(command) => flags(&cli.data_dir, command).await,
        Command::Backup { dest } => {
            if dest.exists() {
                return Err(format!("{} exists; name a new file", dest.display()).into());
            }
            let app::store::Db::Sqlite(pool) = crate::open_store(&cli.data_dir).await? else {
                return Err("backup copies a SQLite file; back PostgreSQL up with pg_dump".into());
            };
            sqlx::query("VACUUM INTO $1").bind(dest.to_string_lossy().as_ref()).execute(&pool).await?;
            let report = crate::backup::check(&dest).await?;
            say!("backup {}: {report}", dest.display());
            Ok(())
        }
        Command::Restore { source, replace } => {
            let report = crate::backup::check(&source).await?;
            crate::backup::restore(&source, &cli.data_dir, replace)?;
            say!("restored {} into {}: {report}", source.display(), cli.data_dir.display());
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let v = app::store::audit::verify(&pool).await?;
            let head = v.head.as_deref().unwrap_or("none");
            say!("audit log: {} entries ({} before the chain began), head {head}", v.entries, v.unchained);
            match v.broken {
                None => {
                    say!("every link holds");
                    Ok(())
                }
                Some((id, why)) => Err(format!("broken at entry {id}: {why}").into()),
            }
        }
        Command::Gold { dataset, item, answer } => {
            let pool = crate::open_store(&cli.data_dir).await?;
            let answer = if answer == "none" { None } else { Some(answer.parse::<GoldVote>()?) };
            app::datasets::admin::ssr::mark_gold(&pool, dataset.to_string(), item, answer, None).await.map_err(
                |e| match e {
                    app::error::AppError::NotFound => format!("`{dataset}` has no two-answer item {item}"),
                    other => other.to_string(),
                },
            )?;
            say!("item {item}: gold {}", answer.map(|a| a.to_string()).unwrap_or_else(|| "removed".into()));
            Ok(())
        }
        Command::Import { dataset, format, mapping, generator, on_error, rejects, file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
            let pool = crate::open_store(&cli.data_dir).await?;
            let source = file.display().to_string();
            let options =
                ImportOptions { format, mapping: mapping.as_ref(), generator: generator.as_deref(), on_error };
            match app::import::import(&pool, &dataset, &options, &source, &bytes, None).await {
                Ok(summary) => {
                    say!("{summary}");
                    if summary.quarantined > 0 {
                        let path = rejects.unwrap_or_else(|| {
                            let mut name = file.clone().into_os_string();
                            name.push(".rejects.jsonl");
                            name.into()
                        });
                        let text = app::import::rejects_file(&pool, summary.import).await?;
                        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
                        say!(
                            "the {} bad lines, with line numbers and reasons: {}",
                            summary.quarantined,
                            path.display()
                        );
                    }
                    Ok(())
                }
                Err(ImportFailure::Rejected(e)) => Err(format!("{e}\nnothing was imported").into()),
                Err(ImportFailure::Db(e)) => Err(format!("database error, nothing was imported: {e}").into()),
            }
        }
        Command::Export { dataset, format, policy, set, out } => {
            let policy = export_policy(policy.as_deref(), &set)?;
            let pool = crate::open_store(&cli.data_dir).await?;
            let prepared = app::export::prepare(&pool, &dataset, ExportRequest { format, policy }, None)
                .await
                .map_err(|e| match e {
                    app::export::Refused::NoDataset => format!("no dataset named `{dataset}`"),
                    other => other.to_string(),
                })?;
            // Write beside the target and rename, so a failed export never leaves half a file.
            let tmp = out.with_extension("partial");
            let file = tokio::fs::File::create(&tmp).await.map_err(|e| format!("creating {}: {e}", tmp.display()))?;
            let mut writer = tokio::io::BufWriter::new(file);
            let manifest = prepared.write(&pool, &mut writer).await?;
            drop(writer);
            std::fs::rename(&tmp, &out)?;
            let manifest_path = sibling(&out, "manifest.json");
            std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)? + "\n")?;
            say!("{}\n→ {}\n→ {}", manifest.counts, out.display(), manifest_path.display());
            if let Some(entry) = &manifest.dataset_info {
                let path = out.parent().unwrap_or(std::path::Path::new(".")).join("dataset_info.json");
                merge_dataset_info(&path, &manifest.dataset_info_name(), entry, out.file_name())?;
                say!("→ {} (entry `{}`)", path.display(), manifest.dataset_info_name());
            }
            Ok(())
        }
        Command::Items { dataset, q, state, flag, department, reviewer, after } => {
            let filter = app::items::parse_filter(q, state, flag, department, reviewer).map_err(|e| e.to_string())?;
            let pool = crate::open_store(&cli.data_dir).await?;
            // The CLI runs with the database file's owner's rights: an operator, not a blind auditor.
            let hits =
                app::items::hits(&pool, dataset.to_string(), filter, after, false).await.map_err(|e| match e {
                    app::error::AppError::NotFound => format!("no dataset named `{dataset}`"),
                    other => other.to_string(),
                })?;
            say!("{} matching items", hits.total);
            for h in &hits.items {
                let snippet = |s: &app::items::Snippet| match s.hit.as_str() {
                    "" => s.before.clone(),
                    hit => format!("{}[{hit}]{}", s.before, s.after),
                };
                let answer = h.answer.as_ref().map(|a| format!("  answer: {}", snippet(a))).unwrap_or_default();
                say!("#{}\t{}{answer}", h.id, snippet(&h.question));
            }
            if let Some(next) = hits.next {
                say!("next: --after {next}");
            }
            Ok(())
        }
        Command::Generate { model, prompt, max_new_tokens, temperature, top_k, top_p, seed, stop, threads } => {
            use app::generate::{model::LocalModel, sampling::Sampling};
            use std::io::Write;
            let sampling = Sampling { temperature, top_k, top_p, max_new_tokens, stop, seed };
            sampling.check()?;
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let mut local = LocalModel::open(&model, threads)?;
            let mut out = std::io::stdout();
            let answer = local.generate(&prompt, &sampling, |piece| {
                let _ = out.write_all(piece.as_bytes()).and_then(|_| out.flush());
                true
            })?;
            say!("");
            let (prefill, decode) = answer.tokens.speed();
            eprintln!(
                "{}: prompt {} tokens, {} new{}; prefill {prefill:.1} tokens/s, decode {} tokens/s; mean log-prob {}",
                local.name,
                answer.tokens.prompt_tokens,
                answer.tokens.ids.len(),
                if answer.tokens.finished { " (eos)" } else { "" },
                decode.map_or("-".into(), |d| format!("{d:.1}")),
                answer.tokens.mean_logprob().map_or("-".into(), |m| format!("{m:.3}")),
            );
            Ok(())
        }
        Command::Demo => crate::demo::create(&cli.data_dir).await,
        Command::Migrate => {
            match &cli.database {
                Some(url) => drop(crate::open_database(url).await?),
                None => drop(crate::open_store(&cli.data_dir).await?),
            }
            let url = cli.database.unwrap_or_else(|| DatabaseUrl::Sqlite(crate::database_path(&cli.data_dir)));
            say!("{url} is up to date");
            Ok(())
        }
        Command::Db(DbCommand::Copy { from, to }) => db_copy(&from, &to).await,
    }
}

async fn db_copy(from: &DatabaseUrl, to: &DatabaseUrl) -> CliResult {
    if from == to {
        return Err("--from and --to name the same database".into());
    }
    if let DatabaseUrl::Sqlite(path) = from
        && !path.exists()
    {
        return Err(format!("{from}: no such database file").into());
    }
    let source = crate::open_database(from).await?;
    let target = crate::open_database(to).await?;
    let copied = app::store::copy::copy(&source, &target).await.map_err(|e| format!("db copy {from} → {to}: {e}"))?;
    let rows: i64 = copied.iter().map(|c| c.rows).sum();
    for c in &copied {
        say!("{:<24} {:>9} rows  sha256 {}", c.table, c.rows, c.sha256);
    }
    say!(
        "copied {from} → {to}: {} tables, {rows} rows, every table verified (row count and content checksum)",
        copied.len()
    );
    Ok(())
}

async fn serve(data_dir: PathBuf, args: ServeArgs) -> CliResult {
    let addr = args.addr.unwrap_or_else(|| "127.0.0.1:3000".parse().expect("valid address"));
    let pool = crate::open_store(&data_dir).await?;
    let mut config = crate::ServerConfig::from_env(addr);
    config.secure_cookies = args.secure_cookies;
    config.models_dir = args.models;
    let app = crate::router(pool.clone(), config).await?;
    crate::spawn_session_cleanup(pool.clone());
    crate::spawn_render_missing(pool.clone());
    crate::spawn_import_recovery(pool);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("binding {addr}: {e}"))?;
    say!("medpref listening on http://{addr} (data in {})", data_dir.display());
    // The peer address reaches the sign-in throttle (per-client delays).
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The export policy from a JSON file and `FIELD=VALUE` settings (values as in a query string).
fn export_policy(file: Option<&std::path::Path>, set: &[String]) -> Result<ExportPolicy, Box<dyn std::error::Error>> {
    let mut fields = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => serde_json::Map::new(),
    };
    for pair in set {
        let (k, v) = pair.split_once('=').ok_or_else(|| format!("`--set {pair}`: expected FIELD=VALUE"))?;
        fields.insert(k.trim().to_string(), serde_json::Value::String(v.to_string()));
    }
    Ok(serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| format!("export policy: {e}"))?)
}

/// `dir/name.jsonl` → `dir/name.<suffix>`.
fn sibling(path: &std::path::Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// Adds (or replaces) one entry of LLaMA-Factory's `dataset_info.json`, keeping the others.
fn merge_dataset_info(
    path: &std::path::Path,
    name: &str,
    entry: &serde_json::Value,
    file_name: Option<&std::ffi::OsStr>,
) -> CliResult {
    let mut info: serde_json::Map<String, serde_json::Value> = match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
        Err(e) => return Err(format!("reading {}: {e}", path.display()).into()),
    };
    let mut entry = entry.clone();
    // The entry names the file as written here, which may differ from the default name.
    if let Some(f) = file_name {
        entry["file_name"] = serde_json::Value::String(f.to_string_lossy().into_owned());
    }
    info.insert(name.to_string(), entry);
    std::fs::write(path, serde_json::to_string_pretty(&info)? + "\n")?;
    Ok(())
}

fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")?;
        let again = rpassword::prompt_password("again: ")?;
        if first != again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

async fn flags(data_dir: &std::path::Path, command: FlagsCommand) -> CliResult {
    let pool = crate::open_store(data_dir).await?;
    let dataset = async |name: &DatasetName| -> Result<app::domain::DatasetId, CliError> {
        Ok(app::store::datasets::by_name(&pool, name).await?.ok_or(format!("no dataset `{name}`"))?.id)
    };
    let print = |states: Vec<app::flag::CategoryState>| {
        for s in states {
            say!("{:<18} {:>7} open  {}", s.category.as_str(), s.open, if s.gates { "gates" } else { "does not gate" });
        }
    };
    match command {
        FlagsCommand::List { dataset: name } => {
            print(app::flag::bulk::ssr::state(&pool, dataset(&name).await?).await?);
        }
        FlagsCommand::Bulk { dataset: name, category, verdict, yes } => {
            let id = dataset(&name).await?;
            let open = app::store::flags::open_by_category(&pool, id).await?;
            let n = open.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n);
            if !yes || n == 0 {
                say!("{n} open `{category}` spans in `{name}` would be {verdict}ed; add --yes to do it");
                return Ok(());
            }
            let status = if verdict == Verdict::Confirm { FlagStatus::Confirmed } else { FlagStatus::Dismissed };
            let done = app::store::flags::review_category(&pool, id, category, status, n, None)
                .await?
                .ok_or("the count changed while it ran; run it again")?;
            say!("{done} `{category}` spans in `{name}`: {status}");
        }
        FlagsCommand::Gate { dataset: name, category, gates } => {
            let id = dataset(&name).await?;
            if !category.gates_export() {
                return Err(format!("`{category}` never gates exports").into());
            }
            app::store::flags::set_gating(&pool, id, category, gates == "on", None).await?;
            print(app::flag::bulk::ssr::state(&pool, id).await?);
        }
    }
    Ok(())
}

type CliError = Box<dyn std::error::Error>;
