use clap::Parser;

#[tokio::main]
async fn main() {
    // Blocks of 1 MiB and more (argon2's 19 MiB per sign-in) are mapped from the system and
    // returned when freed. By default glibc raises this threshold after the first such free and
    // then keeps the blocks in per-thread arenas: 512 sign-ins held 9 GB.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called once at start-up, before any other thread allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = server::cli::run(server::cli::Cli::parse()).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
