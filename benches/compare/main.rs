//! The bot side by side with what a team would build instead (issue 12, item 1):
//! `cargo bench --bench compare` installs the two peers with `../shared/bench/setup.sh`
//! (Bolt for Python under uvicorn, Bolt for JavaScript with better-sqlite3; into
//! `target/peers`), seeds their register with `peers/seed.py`, gives the bot the same
//! register in its own schema (SQLite, like theirs), and drives the three, one after the
//! other, with the same signed `/contact` slash commands: wrk's closed loop (`load.lua`,
//! `-t2 -c32`) for help and a check by phone, email, case reference and name, then a
//! constant arrival rate of checks (and, for the bot, report submissions). It prints
//! rps, p50 and p99 per target and work, memory (RSS of the process tree from /proc)
//! idle, at its peak under wrk and at its peak at the constant rate, and the bot's ratios
//! to each peer.
//!
//! Settings (environment): `PEER_BENCH_DIR` (default `<repo>/../shared/bench`),
//! `COMPARE_PEOPLE` (10000), `COMPARE_SECONDS` per wrk run (5), `COMPARE_RATE` (200 a
//! second) for `COMPARE_RATE_SECONDS` (10), `COMPARE_TARGETS` (`python,js,bot`).

mod fake_slack;
mod load;
mod register;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use load::{Measured, MemoryWatch, Signed};
use serde_json::{json, Value};

/// The person every check asks about: restricted (every third is), in the middle.
const PERSON: usize = 3333;

/// The work, as the text after `/contact`, and what a right answer contains.
fn works() -> Vec<(&'static str, String)> {
    vec![
        ("help", "help".to_owned()),
        ("check by phone", format!("check 07700 {PERSON:06}")),
        (
            "check by email",
            format!("check person{PERSON}@example.org"),
        ),
        ("check by case ref", format!("check CASE-{PERSON}")),
        ("check by name", format!("check Person {PERSON:06}")),
    ]
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Python,
    JavaScript,
    Bot,
}

impl Target {
    fn label(self) -> &'static str {
        match self {
            Target::Python => "Bolt for Python",
            Target::JavaScript => "Bolt for JavaScript",
            Target::Bot => "this bot",
        }
    }
}

struct Paths {
    bench: PathBuf,
    dest: PathBuf,
    bot: PathBuf,
}

fn paths() -> Paths {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = std::env::var_os("PEER_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/bench"));
    let bot = PathBuf::from(env!("CARGO_BIN_EXE_contact-policy-bot"));
    // target/<profile>/contact-policy-bot: the peers go in target/peers.
    let target = bot
        .parent()
        .and_then(Path::parent)
        .expect("the bot is built under target/");
    Paths {
        bench: std::fs::canonicalize(&bench).unwrap_or_else(|e| {
            panic!("no peers at {} ({e}); set PEER_BENCH_DIR", bench.display())
        }),
        dest: target.join("peers"),
        bot,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn log_file(paths: &Paths, name: &str) -> Stdio {
    Stdio::from(std::fs::File::create(paths.dest.join(name)).expect("log file"))
}

/// Starts `target` on `port`, talking to the fake Slack at `slack_url`.
fn start(target: Target, paths: &Paths, port: u16, slack_url: &str, bot_db: &str) -> Child {
    let peer_db = paths.dest.join("peers.db");
    let mut command = match target {
        Target::Python => {
            let mut c = Command::new(paths.dest.join("venv/bin/uvicorn"));
            c.args([
                "bolt_py_app:api",
                "--workers",
                "2",
                "--port",
                &port.to_string(),
            ])
            .current_dir(paths.bench.join("peers"));
            c
        }
        Target::JavaScript => {
            let mut c = Command::new("node");
            c.arg("bolt_js_app.js").current_dir(paths.dest.join("js"));
            c
        }
        Target::Bot => {
            let mut c = Command::new(&paths.bot);
            c.arg("serve")
                .current_dir(&paths.dest)
                .env("DATABASE_URL", bot_db)
                .env("SLACK_BOT_TOKEN", "xoxb-bench")
                .env("SLACK_TEAM_ID", fake_slack::TEAM_ID)
                .env("ORGANISATION_NAME", "Bench Council")
                .env("LISTEN_ADDR", format!("127.0.0.1:{port}"));
            c
        }
    };
    command
        .env("PEER_DB", &peer_db)
        .env("PORT", port.to_string())
        .env("SLACK_SIGNING_SECRET", load::SECRET)
        .env("SLACK_API_URL", slack_url)
        .stdout(log_file(
            paths,
            &format!("{}.log", target.label().replace(' ', "-")),
        ))
        .stderr(Stdio::inherit());
    command.spawn().expect("the target starts")
}

fn stop(mut child: Child) {
    // SIGTERM, so uvicorn's master stops its workers too.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

async fn post(url: &str, request: &Signed) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &request.timestamp)
        .header("x-slack-signature", &request.signature)
        .body(request.body.clone())
        .send()
        .await
        .expect("the target answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Everything measured for one target.
struct Results {
    target: Target,
    works: Vec<(String, Measured, bool)>,
    idle_kb: u64,
    /// The most during wrk's closed loop, and during the constant arrival rate.
    peak_kb: u64,
    open_peak_kb: u64,
    open_check: Measured,
    open_report: Option<Measured>,
}

async fn measure(
    target: Target,
    paths: &Paths,
    slack: &fake_slack::FakeSlack,
    slack_url: &str,
    bot_db: &str,
) -> Results {
    let port = free_port();
    let child = start(target, paths, port, slack_url, bot_db);
    load::wait_for_port(port);
    let url = format!("http://127.0.0.1:{port}/slack/commands");
    let seconds = setting("COMPARE_SECONDS", 5);
    let expected = format!("Person {PERSON:06} Example");
    // Each work answered right once before it is timed (it also warms any cache).
    let mut answers = Vec::new();
    for (work, text) in works() {
        let (status, body) = post(&url, &load::slash_command(register::STAFF, &text)).await;
        assert_eq!(status, 200, "{} {work}: {body}", target.label());
        answers.push(work == "help" || body.contains(&expected));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_kb = load::tree_rss_kb(child.id());
    let watch = MemoryWatch::start(child.id());
    let load_lua = paths.bench.join("load.lua");
    let mut measured = Vec::new();
    for ((work, text), found) in works().into_iter().zip(answers) {
        let request = load::slash_command(register::STAFF, &text);
        let (lua, url) = (load_lua.clone(), url.clone());
        let result = tokio::task::spawn_blocking(move || load::wrk(&lua, &url, &request, seconds))
            .await
            .expect("wrk");
        println!("{:<20} {work:<18} {}", target.label(), cell(&result));
        measured.push((work.to_owned(), result, found));
    }
    let peak_kb = watch.peak_kb().max(idle_kb);
    drop(watch);
    let watch = MemoryWatch::start(child.id());
    let (rate, rate_seconds) = (
        setting("COMPARE_RATE", 200),
        setting("COMPARE_RATE_SECONDS", 10),
    );
    let phone = format!("check 07700 {PERSON:06}");
    let open_check = load::open_loop(&url, rate, rate_seconds, |_| {
        load::slash_command(register::STAFF, &phone)
    })
    .await;
    println!(
        "{:<20} {rate}/s check by phone: {}",
        target.label(),
        cell(&open_check)
    );
    let open_report = if target == Target::Bot {
        let result = reports(port, slack, &url, rate, rate_seconds).await;
        println!(
            "{:<20} {rate}/s report submission: {}",
            target.label(),
            cell(&result)
        );
        Some(result)
    } else {
        None
    };
    let open_peak_kb = watch.peak_kb();
    drop(watch);
    stop(child);
    Results {
        target,
        works: measured,
        idle_kb,
        peak_kb,
        open_peak_kb,
        open_check,
        open_report,
    }
}

/// Opens the report form as staff would, then submits it `rate` times a second, each a
/// new modal (a new view id), about an existing person.
async fn reports(
    port: u16,
    slack: &fake_slack::FakeSlack,
    commands_url: &str,
    rate: u64,
    seconds: u64,
) -> Measured {
    let (status, body) = post(
        commands_url,
        &load::slash_command(register::STAFF, "report"),
    )
    .await;
    assert_eq!(status, 200, "report: {body}");
    let mut modal = None;
    for _ in 0..100 {
        modal = slack.last_modal().filter(|m| m["callback_id"] == "report");
        if modal.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let modal = modal.expect("the bot opened the report form");
    let occurred = chrono::Utc::now().timestamp() - 3600;
    let option = |v: &str| json!({ "text": { "type": "plain_text", "text": v }, "value": v });
    let offered = [
        (
            "person",
            json!({ "type": "external_select", "selected_option": option(&format!("p:{}", PERSON + 1)) }),
        ),
        (
            "category",
            json!({ "type": "static_select", "selected_option": option("aggressive_abusive") }),
        ),
        (
            "kinds",
            json!({ "type": "multi_static_select", "selected_options": [option("verbal_abuse")] }),
        ),
        (
            "channel",
            json!({ "type": "static_select", "selected_option": option("phone") }),
        ),
        (
            "occurred_at",
            json!({ "type": "datetimepicker", "selected_date_time": occurred }),
        ),
        (
            "description",
            json!({ "type": "plain_text_input", "value": "Shouted at me on the phone" }),
        ),
        (
            "impact_staff_minutes",
            json!({ "type": "number_input", "value": "30" }),
        ),
        (
            "impact_contacts",
            json!({ "type": "number_input", "value": "5" }),
        ),
    ];
    let shown: Vec<String> = modal["blocks"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter(|b| b["type"] == "input")
                .filter_map(|b| b["block_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut values = serde_json::Map::new();
    for (field, value) in offered {
        if shown.iter().any(|s| s == field) {
            values.insert(field.to_owned(), json!({ field: value }));
        }
    }
    let submission = move |n: u64| {
        let view_id = format!("VBENCH{n:08}");
        let payload = json!({
            "type": "view_submission",
            "team": { "id": fake_slack::TEAM_ID, "domain": "bench" },
            "user": { "id": register::STAFF, "username": "staff", "name": "staff", "team_id": fake_slack::TEAM_ID },
            "api_app_id": "A0BENCH", "token": "legacy", "trigger_id": format!("1.2.{n}"),
            "view": {
                "id": view_id, "team_id": fake_slack::TEAM_ID, "type": "modal",
                "blocks": modal["blocks"], "private_metadata": modal["private_metadata"],
                "callback_id": modal["callback_id"], "state": { "values": Value::Object(values.clone()) },
                "hash": "1700000000.bench", "title": modal["title"], "close": modal["close"],
                "submit": modal["submit"], "previous_view_id": null, "root_view_id": view_id,
                "app_id": "A0BENCH", "external_id": "", "bot_id": "B0BOT"
            },
            "response_urls": []
        });
        load::sign(serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form"))
    };
    let url = format!("http://127.0.0.1:{port}/slack/interactions");
    let (status, body) = post(&url, &submission(u64::MAX / 2)).await;
    assert!(
        status == 200 && body.is_empty(),
        "the report was refused: {status} {body}"
    );
    load::open_loop(&url, rate, seconds, submission).await
}

fn cell(m: &Measured) -> String {
    let errors = if m.errors > 0 {
        format!(", {} errors", m.errors)
    } else {
        String::new()
    };
    format!(
        "{:.0} rps, p50 {:.2} ms, p99 {:.2} ms{errors}",
        m.rps, m.p50_ms, m.p99_ms
    )
}

fn print_table(results: &[Results]) {
    let bot = results.iter().find(|r| r.target == Target::Bot);
    let peer = |t: Target| results.iter().find(|r| r.target == t);
    let mut header = "| work |".to_owned();
    for r in results {
        header.push_str(&format!(" {} |", r.target.label()));
    }
    header.push_str(" bot ÷ Python | bot ÷ JS |");
    println!("\n{header}\n|{}", "---|".repeat(results.len() + 3));
    for (i, (work, _)) in works().iter().enumerate() {
        let mut row = format!("| {work} |");
        for r in results {
            let (_, m, found) = &r.works[i];
            let missing = if *found { "" } else { " (not found)" };
            row.push_str(&format!(" {}{missing} |", cell(m)));
        }
        for p in [Target::Python, Target::JavaScript] {
            let ratio = bot
                .zip(peer(p))
                .map(|(b, p)| b.works[i].1.rps / p.works[i].1.rps);
            row.push_str(&ratio.map_or(" |".to_owned(), |x| format!(" {x:.1}× |")));
        }
        println!("{row}");
    }
    let mut row = format!(
        "| {}/s check by phone (open loop) |",
        setting("COMPARE_RATE", 200)
    );
    for r in results {
        row.push_str(&format!(" {} |", cell(&r.open_check)));
    }
    println!("{row} | |");
    let mut row = "| memory idle / peak under wrk / peak at the constant rate |".to_owned();
    let mb = |kb: u64| kb as f64 / 1024.0;
    for r in results {
        row.push_str(&format!(
            " {:.1} MB / {:.1} MB / {:.1} MB |",
            mb(r.idle_kb),
            mb(r.peak_kb),
            mb(r.open_peak_kb)
        ));
    }
    println!("{row} | |");
    if let Some(report) = bot.and_then(|b| b.open_report) {
        println!(
            "\nthis bot, report submissions at a constant {}/s: {}",
            setting("COMPARE_RATE", 200),
            cell(&report)
        );
    }
}

fn main() {
    let paths = paths();
    std::fs::create_dir_all(&paths.dest).expect("target/peers");
    let people = setting("COMPARE_PEOPLE", 10_000) as usize;
    let targets: Vec<Target> = std::env::var("COMPARE_TARGETS")
        .unwrap_or_else(|_| "python,js,bot".to_owned())
        .split(',')
        .filter_map(|t| match t.trim() {
            "python" => Some(Target::Python),
            "js" => Some(Target::JavaScript),
            "bot" => Some(Target::Bot),
            _ => None,
        })
        .collect();
    if targets.iter().any(|t| *t != Target::Bot) {
        let installed = Command::new("bash")
            .arg(paths.bench.join("setup.sh"))
            .arg(&paths.dest)
            .status()
            .expect("setup.sh runs");
        assert!(installed.success(), "setup.sh failed");
        let seeded = Command::new("python3")
            .arg(paths.bench.join("peers/seed.py"))
            .arg(paths.dest.join("peers.db"))
            .arg(people.to_string())
            .status()
            .expect("seed.py runs");
        assert!(seeded.success(), "seed.py failed");
    }
    let db_file = paths.dest.join("bot.db");
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    let bot_db = format!("sqlite://{}", db_file.display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        register::fill(&bot_db, people).await;
        println!("registers: {people} people, every third restricted");
        let slack = fake_slack::FakeSlack::default();
        let slack_url = slack.start().await;
        let mut results = Vec::new();
        for target in targets {
            results.push(measure(target, &paths, &slack, &slack_url, &bot_db).await);
        }
        print_table(&results);
        println!("\nfake Slack calls: {}", slack.calls());
    });
}
