//! The load: wrk's closed loop (`load.lua`, the same signed request over and over), an
//! open loop at a constant arrival rate (each request sent at its scheduled moment whether
//! or not the ones before it were answered, its latency counted from that moment, so a
//! stall shows as the queue it causes), and the resident memory of a process tree.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contact_policy_bot::slack::signature::SignatureVerifier;
use secrecy::SecretString;

pub const SECRET: &str = "bench-signing-secret";

/// A request as Slack signs it: the body, its timestamp and signature.
pub struct Signed {
    pub body: String,
    pub timestamp: String,
    pub signature: String,
}

pub fn sign(body: String) -> Signed {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let signature =
        SignatureVerifier::new(SecretString::from(SECRET)).sign(&timestamp, body.as_bytes());
    Signed {
        body,
        timestamp,
        signature,
    }
}

/// The `/contact` slash command with `text`, as `user`.
pub fn slash_command(user: &str, text: &str) -> Signed {
    sign(
        serde_urlencoded::to_string([
            ("token", "legacy"),
            ("team_id", super::fake_slack::TEAM_ID),
            ("team_domain", "bench"),
            ("channel_id", "C0BENCH"),
            ("channel_name", "bench"),
            ("user_id", user),
            ("user_name", "staff"),
            ("command", "/contact"),
            ("text", text),
            ("api_app_id", "A0BENCH"),
            ("response_url", "http://127.0.0.1:9/response"),
            ("trigger_id", "1.2.3"),
        ])
        .expect("a form"),
    )
}

/// What one load run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// `wrk -t2 -c32 -d<seconds>s` with `load.lua` POSTing `request` to `url`.
pub fn wrk(load_lua: &Path, url: &str, request: &Signed, seconds: u64) -> Measured {
    let output = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{seconds}s"), "-s"])
        .arg(load_lua)
        .arg(url)
        .env("BODY", &request.body)
        .env("TS", &request.timestamp)
        .env("SIG", &request.signature)
        .output()
        .expect("wrk runs (setup.sh installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("wrk printed no RESULT line: {stdout}"));
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Measured {
        rps: field("rps"),
        p50_ms: field("p50_ms"),
        p99_ms: field("p99_ms"),
        errors: field("errors") as u64,
    }
}

/// `rate` requests a second for `seconds` seconds, each made by `make(n)` and POSTed to
/// `url`; latency from each request's scheduled moment to its answer.
pub async fn open_loop(
    url: &str,
    rate: u64,
    seconds: u64,
    make: impl Fn(u64) -> Signed,
) -> Measured {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let request = make(n);
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due).await;
        let (client, url, errors) = (client.clone(), url.to_owned(), Arc::clone(&errors));
        tasks.push(tokio::spawn(async move {
            let answered = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", request.timestamp)
                .header("x-slack-signature", request.signature)
                .body(request.body)
                .send()
                .await;
            let ok = match answered {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            if !ok {
                errors.fetch_add(1, Ordering::Relaxed);
            }
            due.elapsed()
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    for task in tasks {
        latencies.push(task.await.expect("request task"));
    }
    let took = start.elapsed().as_secs_f64();
    latencies.sort();
    let at = |p: f64| {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[index.min(latencies.len() - 1)].as_secs_f64() * 1000.0
    };
    Measured {
        rps: total as f64 / took,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// The resident memory (kB) of `pid` and every process descended from it.
pub fn tree_rss_kb(pid: u32) -> u64 {
    let mut parents = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // The command name is in parentheses and may hold spaces: read after the last.
            let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
            if let Some(parent) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
                parents.push((child, parent));
            }
        }
    }
    let mut tree = vec![pid];
    let mut grew = true;
    while grew {
        grew = false;
        for &(child, parent) in &parents {
            if tree.contains(&parent) && !tree.contains(&child) {
                tree.push(child);
                grew = true;
            }
        }
    }
    tree.iter().map(|p| rss_kb(*p)).sum()
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Samples a process tree's memory every 100 ms until dropped; `peak_kb` is the most seen.
pub struct MemoryWatch {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl MemoryWatch {
    pub fn start(pid: u32) -> Self {
        let (peak, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (seen, stopped) = (Arc::clone(&peak), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                seen.fetch_max(tree_rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Self { peak, stop }
    }

    pub fn peak_kb(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for MemoryWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Waits up to 60 s for `port` to accept connections.
pub fn wait_for_port(port: u16) {
    let until = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "nothing listens on {port} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
