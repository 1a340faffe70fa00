//! The binary itself: a clear line for a missing secret, a clean exit on SIGTERM, and
//! admin subcommands that write the audit trail.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::db::TestDb;
use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_contact-policy-bot");

/// The binary with a clean environment, run from an empty directory (so no `.env` file
/// or `./data` of the developer's is picked up).
pub(crate) fn bot(dir: &std::path::Path, db_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "info")
        .current_dir(dir);
    command
}

/// A fresh SQLite database with the schema applied, as `migrate` (or a first start) leaves
/// it: admin commands open an existing database and never create one.
fn migrated_sqlite(dir: &std::path::Path) -> TestDb {
    let db = TestDb::sqlite();
    let output = bot(dir, db.url()).arg("migrate").output().expect("runs");
    assert!(
        output.status.success(),
        "migrate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    db
}

fn with_slack_env(command: &mut Command) -> &mut Command {
    command
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_TEAM_ID", TEAM_ID)
        .env("ORGANISATION_NAME", "Test Office")
        .env("SLACK_API_URL", "http://127.0.0.1:9/api")
}

#[test]
fn missing_secret_gives_one_clear_line_naming_the_variable() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::sqlite();
    let output = bot(dir.path(), db.url())
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_TEAM_ID", TEAM_ID)
        .arg("serve")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: SLACK_SIGNING_SECRET is not set. See \"Configuration\" in README.md."
    );
    assert!(!stderr.contains("panicked"));
}

/// Issue 11 (R-OPS-4): a `.env` line that cannot be read stops start-up with one line
/// naming the file's line and variable, never its value (today the rest of the file was
/// silently skipped).
#[test]
fn a_malformed_env_line_stops_start_up_naming_its_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::sqlite();
    std::fs::write(
        dir.path().join(".env"),
        "SLACK_SIGNING_SECRET=abc\nORGANISATION_NAME=Borough Of Things\nSLACK_BOT_TOKEN=xoxb-1\n",
    )
    .expect(".env");
    let output = bot(dir.path(), db.url())
        .arg("check-config")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.trim().lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0].contains(".env line 2 (ORGANISATION_NAME): cannot be read"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Borough") && !stderr.contains("abc"),
        "{stderr}"
    );
}

/// Issue 11: `--help` shows no secret and no database password, whatever is set.
#[test]
fn help_never_prints_a_secret_or_a_database_password() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["check-config", "--help"],
    ] {
        let output = bot(dir.path(), "postgres://bot:Pa55word@db.internal/register")
            .env("SLACK_SIGNING_SECRET", "signing-secret-value")
            .env("SLACK_BOT_TOKEN", "xoxb-bot-token-value")
            .env("SLACK_APP_TOKEN", "xapp-app-token-value")
            .args(args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&output.stdout);
        for secret in ["Pa55word", "signing-secret-value", "xoxb-bot", "xapp-app"] {
            assert!(!help.contains(secret), "{args:?} shows {secret}: {help}");
        }
    }
}

/// Issue 11: a number or address that is not one names the environment variable.
#[test]
fn a_bad_number_or_address_names_the_environment_variable() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::sqlite();
    for (var, value) in [("LISTEN_ADDR", "localhost"), ("LETTER_UNSENT_DAYS", "five")] {
        let output = with_slack_env(&mut bot(dir.path(), db.url()))
            .env(var, value)
            .arg("check-config")
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{var}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr
                .trim()
                .starts_with(&format!("error: {var} is not valid")),
            "{var}: {stderr}"
        );
    }
}

/// Issue 11 (item 12): logs written to a file or a pipe carry no terminal colour codes.
#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::sqlite();
    // A port already taken: the bot logs its start, then stops with a clear error.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let output = with_slack_env(&mut bot(dir.path(), db.url()))
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .output()
        .expect("runs");
    assert!(!output.status.success(), "port {port} was taken");
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("starting contact-policy-bot"), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in piped logs: {logs:?}"
    );
    drop(taken);
}

/// Issue 11 (item 11): an admin command run where there is no database (the wrong
/// directory, DATABASE_URL unset) says so and creates nothing.
#[test]
fn admin_commands_never_create_an_empty_database() {
    let dir = tempfile::tempdir().expect("dir");
    let output = bot(dir.path(), "unused")
        .env_remove("DATABASE_URL")
        .args(["admin", "list-functions"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("there is no database at data/contact-policy-bot.db")
            && said.contains("contact-policy-bot migrate"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
        "nothing created in the current directory"
    );
}

#[test]
fn sigterm_stops_the_bot_cleanly_within_ten_seconds() {
    let dir = tempfile::tempdir().expect("dir");
    // The default database: a SQLite file under ./data, created and migrated at start.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = with_slack_env(&mut bot(dir.path(), "sqlite://data/contact-policy-bot.db"))
        .env_remove("DATABASE_URL")
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let health = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if reqwest::blocking_get_ok(&health) {
            break;
        }
        assert!(Instant::now() < deadline, "bot did not become healthy");
        std::thread::sleep(Duration::from_millis(50));
    }
    let file = dir.path().join("data/contact-policy-bot.db");
    assert!(file.exists(), "default SQLite file created");
    // Issue 11 (item 11): readable by its owner only, and one instance per file.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&file)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "database file mode {mode:o}");
    let second_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let second = with_slack_env(&mut bot(dir.path(), "sqlite://data/contact-policy-bot.db"))
        .env_remove("DATABASE_URL")
        .env("LISTEN_ADDR", format!("127.0.0.1:{second_port}"))
        .output()
        .expect("runs");
    assert!(!second.status.success(), "a second instance started");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("another contact-policy-bot is already serving")
            && said.contains("data/contact-policy-bot.db"),
        "{said}"
    );
    assert!(
        reqwest::blocking_get_ok(&health),
        "the first one still serves"
    );
    let stopped_at = Instant::now();
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(10),
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "exit status {exit:?}");
}

#[test]
fn admin_subcommands_manage_roles_and_write_the_audit_trail() {
    let dir = tempfile::tempdir().expect("dir");
    let db = migrated_sqlite(dir.path());
    let run = |args: &[&str]| {
        let output = bot(dir.path(), db.url())
            .arg("admin")
            .args(["--actor", "ops"])
            .args(args)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let output = bot(dir.path(), db.url())
        .args(["admin", "--actor", "ops", "add-function", "Casework"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("using SQLite file /"),
        "names its file: {said}"
    );
    run(&["set-head", "Casework", "U0HEAD"]);
    run(&["add-deputy", "Casework", "<@U0DEPUTY|dee>"]);
    run(&["add-manager", "Casework", "U0MANAGER"]);
    run(&["add-member", "Casework", "U0STAFF"]);
    run(&["add-admin", "U0ADMIN"]);
    let listing = run(&["list-functions"]);
    assert_eq!(
        listing,
        "Casework\n  head: U0HEAD\n  deputies: U0DEPUTY\n  managers: U0MANAGER\n  members: U0STAFF"
    );
    assert_eq!(run(&["list-admins"]), "U0ADMIN");
    run(&["remove-member", "Casework", "U0STAFF"]);

    let duplicate = bot(dir.path(), db.url())
        .args(["admin", "add-function", "Casework"])
        .output()
        .expect("runs");
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let events = runtime.block_on(async {
        let store = contact_policy_bot::store::connect(db.url())
            .await
            .expect("store");
        store.all_audit_events().await.expect("audit")
    });
    let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "function_created",
            "role_granted",
            "role_granted",
            "role_granted",
            "role_granted",
            "admin_added",
            "role_revoked"
        ]
    );
    assert!(events.iter().all(|e| e.actor == "cli:ops"));
}

#[test]
fn i9_f9_admins_name_and_revoke_complaints_handlers_with_audit_events() {
    let dir = tempfile::tempdir().expect("dir");
    let db = migrated_sqlite(dir.path());
    let run = |args: &[&str]| {
        let output = bot(dir.path(), db.url())
            .arg("admin")
            .args(["--actor", "ops"])
            .args(args)
            .output()
            .expect("runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )
    };
    assert_eq!(
        run(&["list-complaints-handlers"]),
        (true, "no complaints handlers".to_owned())
    );
    assert!(run(&["grant-complaints-handler", "<@U0COMPLAINTS|cee>"]).0);
    assert!(run(&["grant-complaints-handler", "U0OTHER"]).0);
    assert!(
        !run(&["grant-complaints-handler", "U0OTHER"]).0,
        "granted twice"
    );
    assert_eq!(
        run(&["list-complaints-handlers"]),
        (true, "U0COMPLAINTS\nU0OTHER".to_owned())
    );
    assert!(run(&["revoke-complaints-handler", "U0OTHER"]).0);
    assert!(
        !run(&["revoke-complaints-handler", "U0OTHER"]).0,
        "not one any more"
    );
    assert_eq!(
        run(&["list-complaints-handlers"]),
        (true, "U0COMPLAINTS".to_owned())
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let events = runtime.block_on(async {
        let store = contact_policy_bot::store::connect(db.url())
            .await
            .expect("store");
        store.all_audit_events().await.expect("audit")
    });
    let actions: Vec<_> = events
        .iter()
        .map(|e| (e.action.as_str(), e.subject_id.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("complaints_handler_added", "U0COMPLAINTS", "cli:ops"),
            ("complaints_handler_added", "U0OTHER", "cli:ops"),
            ("complaints_handler_removed", "U0OTHER", "cli:ops"),
        ]
    );
}

mod reqwest {
    /// A blocking GET without pulling in reqwest's blocking client: true on HTTP 200.
    pub fn blocking_get_ok(url: &str) -> bool {
        use std::io::{Read, Write};
        let Some(rest) = url.strip_prefix("http://") else {
            return false;
        };
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Ok(mut stream) = std::net::TcpStream::connect(host) else {
            return false;
        };
        let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.1 200")
    }
}

/// Issue 11 (item 10): `check-config` asks Slack's `auth.test` about the token — refused,
/// another workspace, scopes missing — renders every template and looks at the database,
/// creating nothing; each problem is one line naming what to fix.
#[tokio::test(flavor = "multi_thread")]
async fn r_ops_4_check_config_asks_slack_about_the_token_and_creates_nothing() {
    let fake = crate::fake_slack::FakeSlack::start().await;
    fake.set_workspace(TEAM_ID);
    let dir = tempfile::tempdir().expect("dir");
    let db_dir = tempfile::tempdir().expect("dir");
    let db_file = db_dir.path().join("bot.db");
    let db_url = format!("sqlite://{}", db_file.display());
    let run = |token: &'static str| {
        let mut command = bot(dir.path(), &db_url);
        with_slack_env(&mut command)
            .env("SLACK_API_URL", fake.api_url())
            .env("SLACK_BOT_TOKEN", token)
            .arg("check-config");
        async move {
            let output = tokio::task::spawn_blocking(move || command.output())
                .await
                .expect("joins")
                .expect("runs");
            (
                output.status.success(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        }
    };

    let (ok, out, err) = run(BOT_TOKEN).await;
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("letter templates: every letter renders (the compiled-in defaults)"),
        "{out}"
    );
    assert!(
        out.contains("does not exist yet (it is created and migrated at first start)"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "slack: the bot token works for workspace Fake Workspace ({TEAM_ID})"
        )),
        "{out}"
    );
    assert!(out.trim_end().ends_with("ready to serve"), "{out}");
    assert!(!db_file.exists(), "check-config created the database");

    let (ok, _, err) = run("xoxq-not-a-token").await;
    assert!(!ok);
    assert!(
        err.contains(
            "problem: slack: Slack refused the token (invalid_auth): check SLACK_BOT_TOKEN"
        ),
        "{err}"
    );
    assert!(
        !err.contains("xoxq-not-a-token"),
        "the token is never printed: {err}"
    );

    fake.set_workspace("T0SOMEWHEREELSE");
    fake.set_scopes(&["commands", "chat:write", "im:write"]);
    let (ok, _, err) = run(BOT_TOKEN).await;
    assert!(!ok);
    assert!(err.contains(&format!("problem: slack: the bot token belongs to workspace Fake Workspace (T0SOMEWHEREELSE), not SLACK_TEAM_ID {TEAM_ID}")), "{err}");
    assert!(err.contains("problem: slack: the bot token lacks scopes deploy/slack/manifest.yml asks for: im:history, files:write, users:read"), "{err}");
    assert!(
        err.contains("error: check-config found 2 problems"),
        "{err}"
    );

    // An existing database at the current schema; then a broken template directory.
    fake.set_workspace(TEAM_ID);
    fake.set_scopes(crate::fake_slack::GRANTED_SCOPES);
    contact_policy_bot::store::connect(&db_url)
        .await
        .expect("create the database");
    let templates = tempfile::tempdir().expect("dir");
    let mut command = bot(dir.path(), &db_url);
    with_slack_env(&mut command)
        .env("SLACK_API_URL", fake.api_url())
        .env("TEMPLATES_DIR", templates.path())
        .arg("check-config");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joins")
        .expect("runs");
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!output.status.success());
    assert!(out.contains("opens, schema current"), "{out}");
    assert!(
        err.contains("problem: letter templates: the letter template directory"),
        "{err}"
    );
}

/// Issue 11 (item 8): PostgreSQL that does not answer is named by host and reason, in one
/// line, without the URL's password.
#[test]
fn an_unreachable_postgresql_names_its_host_and_the_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let output = bot(
        dir.path(),
        &format!("postgres://bot:Pa55word@127.0.0.1:{port}/register"),
    )
    .args(["admin", "list-functions"])
    .output()
    .expect("runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!(
            "could not connect to PostgreSQL at 127.0.0.1:{port}: "
        )) && said.to_lowercase().contains("connection refused"),
        "{said}"
    );
    assert!(!said.contains("Pa55word"), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
}

/// Issue 11, item 6 (R-LET-4): `letters preview` writes the letter as the manager gets it,
/// from the templates in TEMPLATES_DIR, with sample details and neither Slack nor a
/// database; an edited template shows in the PDF, and a broken one is named.
#[test]
fn r_let_4_letters_preview_renders_edited_templates_without_slack_or_a_database() {
    let dir = tempfile::tempdir().expect("dir");
    let templates = dir.path().join("templates");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &templates,
    );
    let warning = templates.join("cy/warning.html");
    let edited = std::fs::read_to_string(&warning)
        .expect("read")
        .replace("<h2>Ein polisi</h2>", "<h2>Ein polisi ŵyr ŷd</h2>");
    std::fs::write(&warning, edited).expect("edit");
    let out = dir.path().join("warning.pdf");
    let output = bot(dir.path(), "sqlite://nowhere/none.db")
        .env("TEMPLATES_DIR", &templates)
        .args([
            "letters",
            "preview",
            "warning",
            "--format",
            "large_print",
            "--language",
            "cy",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("cy/warning.html") && said.contains(&templates.display().to_string()),
        "{said}"
    );
    let pdf =
        crate::fake_slack::pdf_text::read_pdf(&std::fs::read(&out).expect("pdf")).expect("a PDF");
    assert!(pdf.flat().contains("Ein polisi ŵyr ŷd"), "{}", pdf.flat());
    assert!(pdf.sizes.contains(&18.0), "{:?}", pdf.sizes);
    assert!(!dir.path().join("nowhere").exists(), "no database was made");

    std::fs::write(
        &warning,
        "{% extends \"layout.html\" %}{% block content %}{{ nonsense }}",
    )
    .expect("break");
    let output = bot(dir.path(), "sqlite://nowhere/none.db")
        .env("TEMPLATES_DIR", &templates)
        .args(["letters", "preview", "warning", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("warning.html"), "{err}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
