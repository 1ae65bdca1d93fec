//! The `vigie` command (docs/api.md §1): runs a crisis on one machine, or one step of it.

mod app;
mod cloud;
mod public;
mod serve;
mod setup;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tracing::{info, warn};
use vigie_app::collect::{run_source, Budget, RUN_TIME};
use vigie_app::{export, tokens};
use vigie_domain::taxonomy::Role;

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Vigie: social-media monitoring for crisis volunteers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Place {
    /// Folder holding the embedded store and the public files.
    #[arg(long, default_value = "./vigie-data")]
    data_dir: PathBuf,
    /// Report store: `sqlite:PATH` (default `sqlite:DATA_DIR/vigie.db`).
    #[arg(long)]
    store: Option<String>,
    /// Where public files go: `dir:PATH` (default `dir:DATA_DIR/public`).
    #[arg(long)]
    publish: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole system on this machine: collectors, triage API, exporter, public files.
    Local {
        /// Crisis file (TOML).
        #[arg(long, conflicts_with = "demo")]
        crisis: Option<PathBuf>,
        /// Use the bundled demo crisis (no network needed).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        place: Place,
        /// Address to serve the API and the public files on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Most connections served at once (lowered to fit the open-file limit); more wait
        /// until one closes.
        #[arg(long, default_value_t = serve::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
    },
    /// Run each collector (or one) once and exit.
    Collect {
        /// Required: this command runs once (`vigie local` runs collectors on their schedules).
        #[arg(long)]
        once: bool,
        #[arg(long)]
        crisis: Option<PathBuf>,
        #[command(flatten)]
        place: Place,
        /// Only this source (its id in the crisis file).
        #[arg(long)]
        source: Option<String>,
    },
    /// Write the public files once and exit.
    Export {
        /// Required: this command runs once (`vigie local` exports continuously).
        #[arg(long)]
        once: bool,
        #[arg(long)]
        crisis: Option<PathBuf>,
        #[command(flatten)]
        place: Place,
    },
    /// Import reports from a CSV in the export's format (a spreadsheet from an earlier deployment).
    Import {
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Manage access tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Bring a crisis up on AWS: build the functions, deploy its stack, store the source
    /// credentials, upload the volunteers' app, create the first coordinator token; prints the
    /// app, API and map URLs and the coordinator's sign-in link (the token, shown once).
    Activate {
        /// Crisis file (TOML).
        #[arg(long)]
        crisis: PathBuf,
        #[command(flatten)]
        target: cloud::Target,
        #[command(flatten)]
        options: cloud::ActivateOptions,
    },
    /// End a crisis on AWS: stop the schedules, export and archive, delete the stack (keeping the
    /// table and the public map unless --purge).
    Deactivate {
        /// The crisis id (as in its crisis file).
        #[arg(long)]
        crisis: String,
        /// Also delete the table and the public files (the archive is kept).
        #[arg(long)]
        purge: bool,
        #[command(flatten)]
        target: cloud::Target,
    },
    /// The state of a crisis on AWS: stack, schedules, last collection per source, counts.
    Status {
        /// The crisis id (as in its crisis file).
        #[arg(long)]
        crisis: String,
        #[command(flatten)]
        target: cloud::Target,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it alone on the last line.
    Create {
        /// volunteer, coordinator or authority
        #[arg(long)]
        role: String,
        /// Who holds it (shown in the audit trail).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        place: Place,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `vigie local` logs what it does; one-shot commands print their own summary, so their
    // logs stay quiet unless VIGIE_LOG asks for more.
    let default_level = match cli.command {
        // hyper warns of every client too slow to send its headers: the server's own business.
        Command::Local { .. } => "info,hyper=error",
        _ => "error",
    };
    tracing_subscriber::fmt()
        .with_writer(vigie_host::stderr_logs())
        .log_internal_errors(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vigie: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Activate {
            crisis,
            target,
            options,
        } => {
            let env = |var: &str| std::env::var(var).ok();
            let plan = cloud::plan_activate(&crisis, &target, &options, &env)?;
            cloud::print_activate_plan(&plan)?;
            if target.dry_run {
                println!("dry run: nothing was built, deployed or called");
            } else {
                cloud::activate(plan).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Deactivate {
            crisis,
            purge,
            target,
        } => {
            cloud::check_crisis_id(&crisis)?;
            cloud::print_deactivate_plan(&crisis, &target, purge);
            if target.dry_run {
                println!("dry run: nothing was called");
            } else {
                cloud::deactivate(&crisis, &target, purge).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { crisis, target } => {
            cloud::check_crisis_id(&crisis)?;
            if target.dry_run {
                cloud::print_status_plan(&crisis, &target);
                println!("dry run: nothing was called");
            } else {
                cloud::status(&crisis, &target).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Local {
            crisis,
            demo,
            place,
            listen,
            max_connections,
        } => {
            let choice = setup::CrisisChoice::from_args(crisis, demo);
            local(
                choice,
                place,
                listen,
                serve::Limits::fitting(max_connections as usize),
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Collect {
            once,
            crisis,
            place,
            source,
        } => {
            if !once {
                bail!("collect runs once per call: add --once (vigie local runs collectors on their schedules)");
            }
            let app = setup::open(setup::CrisisChoice::from_args(crisis, false), &place).await?;
            let sources = setup::sources(&app, source.as_deref())?;
            let summaries =
                vigie_host::collect_once(&app, &sources, Budget::within(RUN_TIME)).await;
            let health = app.store.source_health().await?;
            let mut failed = 0;
            for summary in &summaries {
                let h = health.iter().find(|h| h.source_id == summary.source_id);
                if summary.error.is_some() {
                    failed += 1;
                    eprintln!("{summary}");
                } else {
                    println!("{summary}; {}", health_line(h));
                }
            }
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export {
            once,
            crisis,
            place,
        } => {
            if !once {
                bail!("export runs once per call: add --once (vigie local exports continuously)");
            }
            let app = setup::open(setup::CrisisChoice::from_args(crisis, false), &place).await?;
            let summary = export::export_once(&app).await?;
            println!(
                "exported {} published reports: wrote {}; unchanged {}",
                summary.features,
                list_or_none(&summary.written),
                list_or_none(&summary.unchanged)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, place } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let reports = vigie_domain::table::read(&text, chrono::Utc::now())
                .with_context(|| format!("{}", file.display()))?;
            let store = setup::open_store_creating(&place).await?;
            let inserted = vigie_app::import::import(
                store.as_ref(),
                &reports,
                &file.display().to_string(),
                chrono::Utc::now(),
            )
            .await?;
            let new = inserted.iter().filter(|n| **n).count();
            println!(
                "imported {} reports from {}: {new} new, {} already present (left as they were)",
                reports.len(),
                file.display(),
                reports.len() - new
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { role, name, place },
        } => {
            let role: Role = role.parse().context("--role")?;
            let store = setup::open_store(&place).await?;
            let issued = tokens::issue(store.as_ref(), role, &name, "vigie token create").await?;
            println!(
                "token {} for {} ({}); keep it secret, it is shown only once:",
                issued.record.id, issued.record.name, issued.record.role
            );
            println!("{}", issued.secret);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A source's health in a few words: totals, last success, last error, next allowed call.
fn health_line(h: Option<&vigie_domain::ports::SourceHealth>) -> String {
    let at =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let Some(h) = h else {
        return "0 collected in all, 0 skipped in all; last success never; last error none".into();
    };
    let success = h.last_success_at.map_or("never".into(), at);
    let error = match (&h.last_error, h.last_error_at) {
        (Some(e), Some(t)) => format!("{} ({e})", at(t)),
        (Some(e), None) => e.clone(),
        _ => "none".into(),
    };
    let wait = h
        .next_allowed_at
        .filter(|t| *t > chrono::Utc::now())
        .map(|t| format!("; next call allowed at {}", at(t)))
        .unwrap_or_default();
    let last = h
        .last_run
        .as_ref()
        .map(|r| {
            format!(
                "; last run {} new, {} already stored, {}{}",
                r.new,
                r.seen,
                r.skipped,
                if r.all_skipped() {
                    " (every item skipped)"
                } else {
                    ""
                }
            )
        })
        .unwrap_or_default();
    format!(
        "{} collected in all, {} skipped in all{last}; last success {success}; last error {error}{wait}",
        h.items_collected, h.items_skipped
    )
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

async fn local(
    choice: setup::CrisisChoice,
    place: Place,
    listen: SocketAddr,
    limits: serve::Limits,
) -> Result<()> {
    // The address first: a port in use is refused before the data dir is touched.
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let app = setup::open(choice, &place).await?;
    // One server per data dir: a second would collect and export over the first.
    let _lock = setup::lock_data_dir(&place.data_dir)?;
    let public_dir = setup::public_dir(&place)?;
    let sources = setup::sources(&app, None)?;

    // A first collection and export before serving, so the map has its data at once.
    for summary in vigie_host::collect_once(&app, &sources, Budget::within(RUN_TIME)).await {
        match &summary.error {
            None => info!(source = %summary.source_id, "{summary}"),
            Some(_) => warn!(source = %summary.source_id, "{summary}"),
        }
    }
    export::export_once(&app).await?;

    for s in sources {
        let Ok(src) = s.runner else { continue };
        let app = app.clone();
        let every = s.every;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let summary = run_source(&app, src.as_ref(), Budget::within(RUN_TIME)).await;
                info!(source = %summary.source_id, "{summary}");
            }
        });
    }
    {
        let app = app.clone();
        tokio::spawn(async move {
            // Every few seconds, and at once when a coordinator publishes or unpublishes.
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = app.published.notified() => {}
                }
                if let Err(e) = export::export_once(&app).await {
                    warn!(error = %e, "export failed");
                }
            }
        });
    }

    // The public files, readable from any origin (uMap, QGIS and other sites load the GeoJSON).
    let mut router = vigie_app::api::router(app.clone());
    if let Some(dir) = &public_dir {
        router = router.nest_service("/public", public::service(dir, &app.crisis.tiles));
    }
    // The volunteers' app at `/`, with its Content-Security-Policy naming the tile server.
    let router = router.merge(app::service(&app.crisis.tiles));
    let base = format!("http://{}", listener.local_addr()?);
    // Written as one piece, and never fatal: a closed stdout must not stop the server.
    let mut banner = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        banner,
        "Vigie is running the crisis `{}` ({})",
        app.crisis.id, app.crisis.name
    );
    let _ = writeln!(banner, "  triage app     {base}/");
    let _ = writeln!(banner, "  triage API     {base}/api/v1/reports");
    match &public_dir {
        Some(_) => {
            let _ = writeln!(banner, "  public GeoJSON {base}/public/reports.geojson");
            let _ = writeln!(banner, "  public map     {base}/public/");
        }
        None => {
            let _ = writeln!(banner, "  public files   {}", setup::publish_spec(&place)?);
        }
    }
    let _ = writeln!(banner, "  data           {}", place.data_dir.display());
    let _ = writeln!(banner, "Get a token (in another terminal):");
    let _ = writeln!(
        banner,
        "  vigie token create --role coordinator --name \"Your Name\" --data-dir {}",
        place.data_dir.display()
    );
    let _ =
        writeln!(banner,
        "then open {base}/#token=<token> (the app signs in and drops the token from the address)"
    );
    let _ = writeln!(
        banner,
        "or: curl -H \"Authorization: Bearer <token>\" {base}/api/v1/reports"
    );
    let _ = writeln!(banner, "Stop with Ctrl-C.");
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    serve::serve(listener, router, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
