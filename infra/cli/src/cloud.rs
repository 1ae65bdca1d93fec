//! The cloud lifecycle of a crisis: `vigie activate`, `vigie deactivate`, `vigie status`.
//!
//! Each command first makes its plan from what it is given (the crisis file, the template, the
//! options) without calling anything; `--dry-run` prints that plan and stops. Then it carries
//! the plan out with the operator's own tools and credentials: `cargo lambda` builds the
//! functions, `sam deploy` deploys `infra/template.yaml`, and the AWS SDK does the rest
//! (stack outputs, the secret, the first token, the final export, the archive, the deletion).

use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;
use vigie_domain::crisis::{CollectorKind, Crisis, GazetteerRef, SourceKind};

/// The template's default TileServerOrigin (OpenStreetMap's tiles, the crisis file's default).
const DEFAULT_TILE_ORIGIN: &str = "https://tile.openstreetmap.org";

/// The template, as built into this binary: the dry run lists its resources from it.
const TEMPLATE: &str = include_str!("../../template.yaml");

/// The functions of the stack: folders under `functions/`, and the template's CodeUri folders.
pub const FUNCTIONS: [&str; 7] = [
    "collect-mastodon",
    "collect-bluesky",
    "collect-feeds",
    "collect-x",
    "collect-youtube",
    "triage-api",
    "map-export",
];

/// Where the command talks to AWS.
#[derive(clap::Args, Clone, Debug)]
pub struct Target {
    /// AWS region (default: the AWS configuration's).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS profile (default: the standard credential chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// Print the plan (stack, parameters, resources, steps) and call nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `vigie activate` options beyond the crisis file.
#[derive(clap::Args, Clone, Debug)]
pub struct ActivateOptions {
    /// Instruction set of the functions: arm64 (Graviton, cheaper) or x86_64.
    #[arg(long, default_value = "arm64", value_parser = ["arm64", "x86_64"])]
    pub arch: String,
    /// E-mail address subscribed to escalations and alarms.
    #[arg(long)]
    pub alert_email: Option<String>,
    /// Name of the first coordinator's token (who holds it, as the audit trail and the
    /// claims show it).
    #[arg(long, default_value = "Coordinator")]
    pub coordinator: String,
}

pub fn stack_name(crisis_id: &str) -> String {
    format!("vigie-{crisis_id}")
}

/// A crisis id as `deactivate` and `status` take it: the same rule as the crisis file's.
pub fn check_crisis_id(id: &str) -> Result<()> {
    vigie_domain::crisis::check_crisis_id(id).map_err(|reason| anyhow!("crisis id {reason}"))
}

/// An EventBridge Scheduler rate from a collection interval: whole minutes (at least one, the
/// scheduler's smallest), or hours or days when it divides evenly.
pub fn rate(every: Duration) -> String {
    let minutes = every.as_secs().div_ceil(60).max(1);
    let (n, unit) = if minutes.is_multiple_of(1440) {
        (minutes / 1440, "day")
    } else if minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("rate({n} {unit}{})", if n == 1 { "" } else { "s" })
}

/// The origin the volunteers' app may load map tiles from (its Content-Security-Policy), from
/// the crisis file's tile URL template: `https://tile.openstreetmap.org/{z}/{x}/{y}.png` gives
/// `https://tile.openstreetmap.org`, a `{s}.` subdomain a `*.` wildcard. None when the template
/// cannot be allowed as an https origin (plain http, or another placeholder in the host).
pub fn tile_origin(tiles: &str) -> Option<String> {
    let rest = tiles.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match host.strip_prefix("{s}.") {
        Some(h) => format!("*.{h}"),
        None => host.to_string(),
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host.as_str(), None),
    };
    let name = name.strip_prefix("*.").unwrap_or(name).to_ascii_lowercase();
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && !name.starts_with(['.', '-'])
        && !name.ends_with(['.', '-']);
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()));
    (name_ok && port_ok).then(|| format!("https://{}", host.to_ascii_lowercase()))
}

/// The link that signs a coordinator in: the app's URL with the token in the fragment, which
/// browsers never send to a server (the app takes it out of the address bar at once).
pub fn sign_in_link(app_url: &str, token: &str) -> String {
    format!("{}/#token={token}", app_url.trim_end_matches('/'))
}

/// What `vigie activate` will do.
#[derive(Debug)]
pub struct ActivatePlan {
    pub crisis: Crisis,
    pub crisis_file: PathBuf,
    pub stack: String,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub parameters: BTreeMap<&'static str, String>,
    pub notes: Vec<String>,
    /// Variables the crisis file names for secrets, and whether this environment sets them.
    pub secrets: Vec<(String, bool)>,
    pub arch: String,
    pub coordinator: String,
}

/// The crisis file checked as the functions will read it, then the plan. Nothing is called.
pub fn plan_activate(
    file: &Path,
    target: &Target,
    options: &ActivateOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ActivatePlan> {
    let crisis = vigie_app::CrisisFile::load(file)?.crisis;
    if let Some(demo) = crisis
        .sources
        .iter()
        .find(|s| matches!(s.kind, SourceKind::Demo { .. }))
    {
        bail!(
            "{}: source `{}` is a demo source, which runs only with `vigie local`",
            file.display(),
            demo.id
        );
    }
    let mut notes = Vec::new();
    let mut parameters = BTreeMap::from([
        ("CrisisId", crisis.id.clone()),
        ("Architecture", options.arch.clone()),
        ("SchedulesState", "ENABLED".to_string()),
        (
            "AlertEmail",
            options.alert_email.clone().unwrap_or_default(),
        ),
    ]);
    for kind in CollectorKind::ALL {
        // The template's schedule rate of each collector function.
        let parameter = match kind {
            CollectorKind::Mastodon => "MastodonRate",
            CollectorKind::Bluesky => "BlueskyRate",
            CollectorKind::Feed => "FeedsRate",
            CollectorKind::X => "XRate",
            CollectorKind::YouTube => "YouTubeRate",
        };
        let shortest = crisis
            .sources
            .iter()
            .filter(|s| kind.runs(&s.kind))
            .map(|s| s.every)
            .min();
        let value = match shortest {
            Some(every) => {
                if every < Duration::from_secs(60) {
                    notes.push(format!(
                        "{kind} sources: `every` under a minute becomes one minute (the scheduler's shortest)"
                    ));
                }
                rate(every)
            }
            None => {
                notes.push(format!(
                    "no {kind} source: its collector is scheduled once a day and finds nothing to do"
                ));
                "rate(1 day)".to_string()
            }
        };
        parameters.insert(parameter, value);
    }
    let tiles = match tile_origin(&crisis.tiles) {
        Some(origin) => origin,
        None => {
            notes.push(format!(
                "tiles `{}`: not an https origin the app's Content-Security-Policy can allow; the app's map uses {}",
                crisis.tiles, DEFAULT_TILE_ORIGIN
            ));
            DEFAULT_TILE_ORIGIN.to_string()
        }
    };
    parameters.insert("TileServerOrigin", tiles);
    let mut names: Vec<String> = Vec::new();
    for s in &crisis.sources {
        match &s.kind {
            SourceKind::Mastodon {
                token_env: Some(t), ..
            } => names.push(t.clone()),
            SourceKind::Bluesky {
                handle_env,
                password_env,
                ..
            } => {
                names.push(handle_env.clone());
                names.push(password_env.clone());
            }
            SourceKind::X { bearer_env, .. } => names.push(bearer_env.clone()),
            SourceKind::YouTube { key_env, .. } => names.push(key_env.clone()),
            _ => {}
        }
    }
    // The relay accounts' credentials go in the same secret.
    for account in &crisis.relay {
        names.extend(account.kind.secret_names().into_iter().map(str::to_string));
    }
    names.sort();
    names.dedup();
    let secrets = names
        .into_iter()
        .map(|n| {
            let set = env(&n).is_some_and(|v| !v.is_empty());
            (n, set)
        })
        .collect();
    Ok(ActivatePlan {
        stack: stack_name(&crisis.id),
        crisis,
        crisis_file: file.to_path_buf(),
        region: target.region.clone(),
        profile: target.profile.clone(),
        parameters,
        notes,
        secrets,
        arch: options.arch.clone(),
        coordinator: options.coordinator.clone(),
    })
}

/// The template's resources: logical id and type, in the template's order.
pub fn template_resources() -> Result<Vec<(String, String)>> {
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(TEMPLATE).context("infra/template.yaml")?;
    let resources = doc
        .get("Resources")
        .and_then(|r| r.as_mapping())
        .ok_or_else(|| anyhow!("infra/template.yaml: no Resources"))?;
    Ok(resources
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.as_str()?.to_string(),
                v.get("Type")?.as_str()?.to_string(),
            ))
        })
        .collect())
}

fn cargo_lambda_args(arch: &str) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "lambda".into(),
        "build".into(),
        "--release".into(),
        if arch == "arm64" {
            "--arm64".into()
        } else {
            "--x86-64".into()
        },
    ];
    for f in FUNCTIONS {
        args.push("-p".into());
        args.push(f.into());
    }
    args
}

fn sam_deploy_args(plan: &ActivatePlan) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "deploy".into(),
        "--template-file".into(),
        "infra/template.yaml".into(),
        "--stack-name".into(),
        plan.stack.clone(),
        "--capabilities".into(),
        "CAPABILITY_IAM".into(),
        "CAPABILITY_AUTO_EXPAND".into(),
        "--resolve-s3".into(),
        "--no-confirm-changeset".into(),
        "--no-fail-on-empty-changeset".into(),
        "--tags".into(),
        format!("vigie:crisis={}", plan.crisis.id),
        "--parameter-overrides".into(),
    ];
    args.extend(plan.parameters.iter().map(|(k, v)| format!("{k}={v}")));
    if let Some(r) = &plan.region {
        args.push("--region".into());
        args.push(r.clone());
    }
    if let Some(p) = &plan.profile {
        args.push("--profile".into());
        args.push(p.clone());
    }
    args
}

/// Quotes a word for the printed command lines when it needs it.
fn shell(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=./:".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn command_line(program: &str, args: &[String]) -> String {
    std::iter::once(program.to_string())
        .chain(args.iter().map(|a| shell(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn print_activate_plan(plan: &ActivatePlan) -> Result<()> {
    println!(
        "Plan: activate crisis {} ({})",
        plan.crisis.id, plan.crisis.name
    );
    println!(
        "  stack       {} in {} ({})",
        plan.stack,
        plan.region.as_deref().unwrap_or("the configured region"),
        plan.profile
            .as_deref()
            .map(|p| format!("profile {p}"))
            .unwrap_or_else(|| "standard credentials".into())
    );
    println!("  parameters");
    for (k, v) in &plan.parameters {
        println!("    {k} = {v}");
    }
    for note in &plan.notes {
        println!("    note: {note}");
    }
    println!("  functions   {} ({})", FUNCTIONS.join(", "), plan.arch);
    let resources = template_resources()?;
    println!("  resources   {} in infra/template.yaml", resources.len());
    for (id, kind) in &resources {
        println!("    {id:<36} {kind}");
    }
    if plan.secrets.is_empty() {
        println!("  secret      no source credentials named in the crisis file");
    } else {
        println!("  secret      source credentials, by the names the crisis file gives:");
        for (name, set) in &plan.secrets {
            println!(
                "    {name:<28} {}",
                if *set {
                    "set here: stored in the secret"
                } else {
                    "NOT set here: put it in the secret before the source or relay account using it can work"
                }
            );
        }
    }
    println!("  steps");
    println!(
        "    1. {}",
        command_line("cargo", &cargo_lambda_args(&plan.arch))
    );
    println!("    2. copy the crisis file as crisis.toml next to each bootstrap (target/lambda/<function>/)");
    println!("    3. {}", command_line("sam", &sam_deploy_args(plan)));
    println!("    4. store the source credentials set here in the stack's secret (SecretArn)");
    println!("    5. keep the crisis file in the archive bucket (crisis.toml)");
    println!(
        "    6. upload the volunteers' app ({} files) to the public bucket under app/ (served at the app URL, /)",
        vigie_app::site::app_files().len()
    );
    println!(
        "    7. create a coordinator token \"{}\" and print the app URL, its sign-in link (with the token, shown once), the API URL and the public map URL",
        plan.coordinator
    );
    Ok(())
}

pub fn print_deactivate_plan(id: &str, target: &Target, purge: bool) {
    let stack = stack_name(id);
    println!("Plan: deactivate crisis {id}");
    println!(
        "  stack       {stack} in {}",
        target.region.as_deref().unwrap_or("the configured region")
    );
    println!("  steps");
    println!("    1. read the stack's outputs (table, buckets) and the crisis file kept in the archive bucket");
    println!("    2. update the stack with SchedulesState = DISABLED: collectors and exports stop");
    println!("    3. final export of the public files from the table to the public bucket");
    println!("    4. archive the table to the archive bucket: archive/<time>/reports.jsonl, history.jsonl, reports.csv");
    println!("    5. delete the stack");
    if purge {
        println!("    6. --purge: delete the table and the public bucket's files and the bucket");
        println!("  kept        the archive bucket (delete it by hand when its retention ends)");
    } else {
        println!("  kept        the table, the public bucket (the frozen public map) and the archive bucket");
    }
}

pub fn print_status_plan(id: &str, target: &Target) {
    println!("Plan: status of crisis {id}");
    println!(
        "  stack       {} in {}",
        stack_name(id),
        target.region.as_deref().unwrap_or("the configured region")
    );
    println!("  reads       the stack's state, parameters and outputs; the schedules' state; each source's last collection and the counts, from the table");
}

async fn sdk_config(target: &Target) -> aws_config::SdkConfig {
    let mut loader = vigie_aws::config_loader();
    if let Some(r) = &target.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &target.profile {
        loader = loader.profile_name(p);
    }
    loader.load().await
}

fn need_tool(program: &str, args: &[&str], install: &str) -> Result<()> {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        bail!("`{program}` is needed and was not found: {install}");
    }
    Ok(())
}

fn run_tool(program: &str, args: &[String], cwd: &Path) -> Result<()> {
    println!("$ {}", command_line(program, args));
    let status = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .status()
        .with_context(|| format!("{program} cannot start"))?;
    if !status.success() {
        bail!("`{}` failed ({status})", command_line(program, args));
    }
    Ok(())
}

/// The clone of the repository the command runs in: activate builds and deploys from it.
fn repository_root() -> Result<PathBuf> {
    let mut dir = std::env::current_dir()?;
    loop {
        if dir.join("infra/template.yaml").is_file() && dir.join("functions").is_dir() {
            return Ok(dir);
        }
        if !dir.pop() {
            bail!("run `vigie activate` from a clone of the Vigie repository (infra/template.yaml and functions/ not found)");
        }
    }
}

/// The crisis file as the functions read it: next to their bootstrap, with a gazetteer file
/// copied beside it.
fn deployable_crisis(plan: &ActivatePlan) -> Result<(String, Option<(PathBuf, String)>)> {
    let text = std::fs::read_to_string(&plan.crisis_file)?;
    match &plan.crisis.gazetteer {
        GazetteerRef::Builtin(_) => Ok((text, None)),
        GazetteerRef::Path(p) => {
            let base = plan.crisis_file.parent().unwrap_or(Path::new("."));
            let source = base.join(p);
            let mut table: toml::Table = text.parse()?;
            if let Some(c) = table.get_mut("crisis").and_then(|c| c.as_table_mut()) {
                c.insert("gazetteer".into(), "gazetteer.csv".into());
            }
            Ok((
                toml::to_string(&table)?,
                Some((source, "gazetteer.csv".into())),
            ))
        }
    }
}

struct StackInfo {
    status: String,
    outputs: HashMap<String, String>,
    parameters: HashMap<String, String>,
}

async fn describe_stack(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Option<StackInfo>> {
    let out = match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(o) => o,
        Err(e) => {
            let text = aws_sdk_cloudformation::error::DisplayErrorContext(&e).to_string();
            if text.contains("does not exist") {
                return Ok(None);
            }
            bail!("stack {stack}: {text}");
        }
    };
    let Some(s) = out.stacks().first() else {
        return Ok(None);
    };
    Ok(Some(StackInfo {
        status: s
            .stack_status()
            .map(|st| st.as_str().to_string())
            .unwrap_or_default(),
        outputs: s
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect(),
        parameters: s
            .parameters()
            .iter()
            .filter_map(|p| {
                Some((
                    p.parameter_key()?.to_string(),
                    p.parameter_value()?.to_string(),
                ))
            })
            .collect(),
    }))
}

fn output<'a>(info: &'a StackInfo, key: &str) -> Result<&'a str> {
    info.outputs
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| anyhow!("the stack has no output {key}"))
}

/// Waits until the stack leaves its `*_IN_PROGRESS` state; its final state.
async fn wait_stack(cfn: &aws_sdk_cloudformation::Client, stack: &str) -> Result<String> {
    for _ in 0..360 {
        match describe_stack(cfn, stack).await? {
            None => return Ok("DELETE_COMPLETE".into()),
            Some(info) if !info.status.ends_with("_IN_PROGRESS") => return Ok(info.status),
            Some(_) => tokio::time::sleep(Duration::from_secs(5)).await,
        }
    }
    bail!("stack {stack}: still in progress after 30 minutes")
}

pub async fn activate(plan: ActivatePlan) -> Result<()> {
    let root = repository_root()?;
    need_tool(
        "cargo",
        &["lambda", "--version"],
        "pip install cargo-lambda",
    )?;
    need_tool("sam", &["--version"], "pip install aws-sam-cli")?;
    run_tool("cargo", &cargo_lambda_args(&plan.arch), &root)?;
    let (crisis_text, gazetteer) = deployable_crisis(&plan)?;
    for f in FUNCTIONS {
        let dir = root.join("target/lambda").join(f);
        if !dir.join("bootstrap").is_file() {
            bail!("{}: no bootstrap after the build", dir.display());
        }
        std::fs::write(dir.join("crisis.toml"), &crisis_text)
            .with_context(|| format!("{}", dir.display()))?;
        if let Some((source, name)) = &gazetteer {
            std::fs::copy(source, dir.join(name))
                .with_context(|| format!("gazetteer {}", source.display()))?;
        }
    }
    run_tool("sam", &sam_deploy_args(&plan), &root)?;

    let target = Target {
        region: plan.region.clone(),
        profile: plan.profile.clone(),
        dry_run: false,
    };
    let config = sdk_config(&target).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let info = describe_stack(&cfn, &plan.stack)
        .await?
        .ok_or_else(|| anyhow!("stack {} not found after sam deploy", plan.stack))?;
    let values: HashMap<String, String> = plan
        .secrets
        .iter()
        .filter(|(_, set)| *set)
        .filter_map(|(name, _)| std::env::var(name).ok().map(|v| (name.clone(), v)))
        .collect();
    if !values.is_empty() {
        vigie_aws::secrets::put_source_credentials(&config, output(&info, "SecretArn")?, &values)
            .await
            .map_err(|e| anyhow!(e))?;
    }
    aws_sdk_s3::Client::new(&config)
        .put_object()
        .bucket(output(&info, "ArchiveBucketName")?)
        .key("crisis.toml")
        .body(crisis_text.into_bytes().into())
        .content_type("application/toml")
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "archive bucket: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })?;
    let public = output(&info, "PublicBucketName")?;
    let (written, unchanged) = upload_app(&config, public).await?;
    println!("app: {written} files uploaded to s3://{public}/app/, {unchanged} unchanged");
    let store = vigie_aws::DynamoStore::new(&config, output(&info, "TableName")?);
    let issued = vigie_app::tokens::issue(
        &store,
        vigie_domain::taxonomy::Role::Coordinator,
        &plan.coordinator,
        "vigie activate",
    )
    .await?;
    for (name, set) in &plan.secrets {
        if !set {
            println!(
                "warning: {name} is not set: put it in the secret {} (JSON object of names to values)",
                output(&info, "SecretArn")?
            );
        }
    }
    let app_url = output(&info, "AppUrl")?;
    println!("crisis {} active", plan.crisis.id);
    println!("app:        {app_url}");
    println!("API:        {}/api/v1", output(&info, "ApiUrl")?);
    println!("public map: {}", output(&info, "PublicMapUrl")?);
    // The token, once, on stdout only (never in a log): its sign-in link is the last line.
    println!(
        "sign-in link of {} (coordinator token {}, shown once; share it with them only):",
        issued.record.name, issued.record.id
    );
    println!("{}", sign_in_link(app_url, &issued.secret));
    Ok(())
}

/// The volunteers' app's files to `s3://BUCKET/app/`, through the S3 publisher: each object with
/// the content type and cache lifetime its file says (vigie_app::site::app_files: the page
/// short-lived, versioned or hashed assets a year), unchanged ones not sent again. Files of an earlier version stay, so a tab opened
/// before finds the assets its page names. Counts of files written and unchanged.
async fn upload_app(config: &aws_config::SdkConfig, bucket: &str) -> Result<(usize, usize)> {
    use vigie_domain::ports::{PublishOutcome, Publisher};
    let publisher = vigie_aws::S3Publisher::from_spec(
        config,
        &format!("s3://{bucket}/app"),
        vigie_host::S3Options::from_env(&|var: &str| std::env::var(var).ok()).path_style,
    )
    .map_err(|e| anyhow!("publish {e}"))?;
    let files = vigie_app::site::app_files();
    if !files.iter().any(|f| f.name == "index.html") {
        bail!("the app's files have no index.html: was the app built (shared/app/build.rs)?");
    }
    let (mut written, mut unchanged) = (0, 0);
    for file in &files {
        match publisher.publish(file).await? {
            PublishOutcome::Written => written += 1,
            PublishOutcome::Unchanged => unchanged += 1,
        }
    }
    Ok((written, unchanged))
}

pub async fn deactivate(id: &str, target: &Target, purge: bool) -> Result<()> {
    let config = sdk_config(target).await;
    let stack = stack_name(id);
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let info = describe_stack(&cfn, &stack)
        .await?
        .ok_or_else(|| anyhow!("stack {stack}: not found (is crisis {id} active here?)"))?;
    let table = output(&info, "TableName")?.to_string();
    let public = output(&info, "PublicBucketName")?.to_string();
    let archive = output(&info, "ArchiveBucketName")?.to_string();
    let s3 = aws_sdk_s3::Client::new(&config);
    let crisis_text = s3
        .get_object()
        .bucket(&archive)
        .key("crisis.toml")
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "crisis file in s3://{archive}/crisis.toml: {}",
                aws_sdk_s3::error::DisplayErrorContext(&e)
            )
        })?
        .body
        .collect()
        .await?
        .into_bytes();
    let crisis = Crisis::parse("crisis.toml", std::str::from_utf8(&crisis_text)?)?;

    // 1. No collection nor export from now on.
    let mut update = cfn
        .update_stack()
        .stack_name(&stack)
        .use_previous_template(true)
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityIam)
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityAutoExpand);
    // Every other parameter keeps the value the stack shows (the template has no NoEcho one).
    for (key, value) in &info.parameters {
        let value = if key == "SchedulesState" {
            "DISABLED"
        } else {
            value
        };
        update = update.parameters(
            aws_sdk_cloudformation::types::Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build(),
        );
    }
    match update.send().await {
        Ok(_) => {
            let state = wait_stack(&cfn, &stack).await?;
            if state != "UPDATE_COMPLETE" {
                bail!("stack {stack}: {state} while disabling the schedules");
            }
        }
        Err(e) => {
            let text = aws_sdk_cloudformation::error::DisplayErrorContext(&e).to_string();
            if !text.contains("No updates are to be performed") {
                bail!("stack {stack}: {text}");
            }
        }
    }
    println!("schedules disabled");

    // 2. The final public files, then 3. the archive.
    let store: Arc<dyn vigie_domain::ports::ReportStore> =
        Arc::new(vigie_aws::DynamoStore::new(&config, &table));
    let publisher = Arc::new(
        vigie_aws::S3Publisher::from_spec(&config, &format!("s3://{public}/public"), false)
            .map_err(|e| anyhow!(e))?,
    );
    // The export needs no place names: the builtin one stands in for a crisis file's own.
    let gazetteer = vigie_app::load_gazetteer(&crisis, Path::new("."))
        .unwrap_or_else(|_| vigie_domain::Gazetteer::guadeloupe());
    let app = vigie_app::Vigie::new(
        crisis,
        gazetteer,
        store.clone(),
        publisher,
        Arc::new(vigie_local::LogNotifier),
    );
    let summary = vigie_app::export::export_once(&app).await?;
    println!("final export: {} published reports", summary.features);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let (reports, history, csv) = archive_files(store.clone()).await?;
    for (name, bytes, kind) in [
        ("reports.jsonl", reports, "application/x-ndjson"),
        ("history.jsonl", history, "application/x-ndjson"),
        ("reports.csv", csv, "text/csv; charset=utf-8"),
    ] {
        let key = format!("archive/{stamp}/{name}");
        s3.put_object()
            .bucket(&archive)
            .key(&key)
            .body(bytes.into())
            .content_type(kind)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "s3://{archive}/{key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )
            })?;
        println!("archived s3://{archive}/{key}");
    }

    // 4. The stack goes; what it retains stays.
    cfn.delete_stack()
        .stack_name(&stack)
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "stack {stack}: {}",
                aws_sdk_cloudformation::error::DisplayErrorContext(&e)
            )
        })?;
    let state = wait_stack(&cfn, &stack).await?;
    if state != "DELETE_COMPLETE" {
        bail!("stack {stack}: {state} while deleting it");
    }
    println!("stack {stack} deleted");
    if purge {
        aws_sdk_dynamodb::Client::new(&config)
            .delete_table()
            .table_name(&table)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "table {table}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&e)
                )
            })?;
        empty_and_delete_bucket(&s3, &public).await?;
        println!("purged: table {table}, bucket {public}; kept: bucket {archive}");
    } else {
        println!("kept: table {table}, bucket {public} (the frozen public map), bucket {archive}");
    }
    Ok(())
}

/// Every report (JSON Lines), every history entry (JSON Lines) and the table's CSV.
async fn archive_files(
    store: Arc<dyn vigie_domain::ports::ReportStore>,
) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_reports(&vigie_domain::ports::ReportQuery {
                limit: 200,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut reports = Vec::new();
    let mut history = Vec::new();
    for r in &all {
        serde_json::to_writer(&mut reports, r)?;
        reports.push(b'\n');
        for entry in store.history(&r.id).await? {
            serde_json::to_writer(&mut history, &entry)?;
            history.push(b'\n');
        }
    }
    let relays = vigie_domain::relay::StoredRelays::new(store.clone());
    let relays = vigie_domain::ports::RelayLog::relays(&relays).await?;
    let csv = vigie_domain::table::write(&all, &relays).into_bytes();
    Ok((reports, history, csv))
}

async fn empty_and_delete_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow!("bucket {bucket}: {e}");
    loop {
        let versions = s3
            .list_object_versions()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| err(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;
        let mut ids = Vec::new();
        for v in versions.versions() {
            ids.push((
                v.key().unwrap_or_default().to_string(),
                v.version_id().map(String::from),
            ));
        }
        for m in versions.delete_markers() {
            ids.push((
                m.key().unwrap_or_default().to_string(),
                m.version_id().map(String::from),
            ));
        }
        if ids.is_empty() {
            break;
        }
        for (key, version) in ids {
            s3.delete_object()
                .bucket(bucket)
                .key(&key)
                .set_version_id(version)
                .send()
                .await
                .map_err(|e| err(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;
        }
    }
    s3.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| err(&aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    Ok(())
}

pub async fn status(id: &str, target: &Target) -> Result<()> {
    let config = sdk_config(target).await;
    let stack = stack_name(id);
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let Some(info) = describe_stack(&cfn, &stack).await? else {
        println!("crisis {id}: no stack {stack} (not active here, or deactivated)");
        return Ok(());
    };
    println!("crisis {id}: stack {stack} {}", info.status);
    println!(
        "schedules: {}",
        info.parameters
            .get("SchedulesState")
            .map(String::as_str)
            .unwrap_or("unknown")
    );
    for key in [
        "ApiUrl",
        "PublicMapUrl",
        "TableName",
        "PublicBucketName",
        "ArchiveBucketName",
    ] {
        if let Some(v) = info.outputs.get(key) {
            println!("{key}: {v}");
        }
    }
    if let Some(table) = info.outputs.get("TableName") {
        let store = vigie_aws::DynamoStore::new(&config, table);
        use vigie_domain::ports::{Reports, SourceHealthLog};
        for h in store.source_health().await? {
            println!(
                "source {}: last success {}, last error {}",
                h.source_id,
                h.last_success_at
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| "never".into()),
                h.last_error.as_deref().unwrap_or("none")
            );
        }
        let counts = store.counts().await?;
        println!(
            "reports: {} ({})",
            counts.total,
            counts
                .by_status
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("escalations waiting: {}", counts.escalated_waiting);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_shortest_interval() {
        assert_eq!(rate(Duration::from_secs(10)), "rate(1 minute)");
        assert_eq!(rate(Duration::from_secs(120)), "rate(2 minutes)");
        assert_eq!(rate(Duration::from_secs(150)), "rate(3 minutes)");
        assert_eq!(rate(Duration::from_secs(3600)), "rate(1 hour)");
        assert_eq!(rate(Duration::from_secs(7200)), "rate(2 hours)");
        assert_eq!(rate(Duration::from_secs(86400)), "rate(1 day)");
    }

    #[test]
    fn the_template_lists_every_function() {
        let resources = template_resources().unwrap();
        let functions = resources
            .iter()
            .filter(|(_, t)| t == "AWS::Serverless::Function")
            .count();
        assert_eq!(functions, FUNCTIONS.len());
        assert!(resources
            .iter()
            .any(|(id, t)| id == "ReportsTable" && t == "AWS::DynamoDB::Table"));
    }

    #[test]
    fn the_tile_origin_comes_from_the_tile_template() {
        assert_eq!(
            tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tile.openstreetmap.fr")
        );
        assert_eq!(
            tile_origin("https://Tiles.Example:8443/{z}/{x}/{y}.png?key=1").as_deref(),
            Some("https://tiles.example:8443")
        );
        for refused in [
            "http://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://{r}.tiles.example/{z}/{x}/{y}.png",
            "https:///{z}/{x}/{y}.png",
            "https://a.example;script-src/{z}/{x}/{y}.png",
            "https://a.example:port/{z}/{x}/{y}.png",
        ] {
            assert_eq!(tile_origin(refused), None, "{refused}");
        }
        // The template's default is the crisis file's default.
        assert_eq!(
            tile_origin(vigie_domain::crisis::DEFAULT_TILES).as_deref(),
            Some(DEFAULT_TILE_ORIGIN)
        );
        assert!(TEMPLATE.contains(&format!("Default: {DEFAULT_TILE_ORIGIN}\n")));
    }

    /// A Content-Security-Policy as directive -> sources.
    fn directives(csp: &str) -> BTreeMap<String, Vec<String>> {
        csp.split(';')
            .filter_map(|d| {
                let mut words = d.split_whitespace().map(String::from);
                Some((words.next()?, words.collect()))
            })
            .collect()
    }

    #[test]
    fn the_cloud_sends_the_app_the_policy_vigie_local_sends() {
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(TEMPLATE).unwrap();
        let node = &doc["Resources"]["AppResponseHeaders"]["Properties"]
            ["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]
            ["ContentSecurityPolicy"];
        let serde_yaml_ng::Value::Tagged(sub) = node else {
            panic!("expected !Sub, got {node:?}");
        };
        assert_eq!(sub.tag, "!Sub");
        let cloud = sub
            .value
            .as_str()
            .unwrap()
            .replace("${TileServerOrigin}", DEFAULT_TILE_ORIGIN);
        let mut cloud = directives(&cloud);
        // Said outright in the cloud; implied by default-src 'none' locally.
        assert_eq!(cloud.remove("object-src"), Some(vec!["'none'".to_string()]));
        let local = vigie_app::site::app_csp(vigie_domain::crisis::DEFAULT_TILES);
        assert_eq!(cloud, directives(&local));
    }

    #[test]
    fn the_sign_in_link_carries_the_token_in_its_fragment() {
        assert_eq!(
            sign_in_link("https://d111.cloudfront.net/", "vigie_ab12"),
            "https://d111.cloudfront.net/#token=vigie_ab12"
        );
        assert_eq!(
            sign_in_link("https://d111.cloudfront.net", "vigie_ab12"),
            "https://d111.cloudfront.net/#token=vigie_ab12"
        );
    }

    #[test]
    fn crisis_ids_are_checked() {
        assert!(check_crisis_id("gp-cyclone-2026").is_ok());
        assert!(check_crisis_id("GP").is_err());
        assert!(check_crisis_id("a/b").is_err());
    }
}
