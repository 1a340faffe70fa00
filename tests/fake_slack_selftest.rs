//! Self-test of the fake Slack Web API in `tests/api/fake_slack.rs`: raw HTTP with reqwest, and
//! the real slack-morphism client (as the bot uses it) against the fake.

#[path = "api/fake_slack.rs"]
mod fake_slack;

use std::time::Duration;

use fake_slack::{FakeSlack, Scripted, BOT_USER_ID, TEAM_ID};
use serde_json::{json, Value};

const TOKEN: &str = "xoxb-test-token";
const WAIT: Duration = Duration::from_secs(5);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("build reqwest client")
}

async fn post_json(fake: &FakeSlack, method: &str, body: Value) -> reqwest::Response {
    http()
        .post(format!("{}/{method}", fake.api_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .expect("send request to the fake")
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON response body")
}

/// The smallest modal Slack accepts.
fn minimal_modal() -> Value {
    json!({
        "type": "modal",
        "title": { "type": "plain_text", "text": "Modal" },
        "blocks": [],
    })
}

fn ts_value(ts: &Value) -> f64 {
    ts.as_str()
        .expect("ts is a string")
        .parse()
        .expect("ts parses as a number")
}

#[tokio::test]
async fn api_url_points_at_loopback() {
    let fake = FakeSlack::start().await;
    let url = fake.api_url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(url.ends_with("/api"), "{url}");
    assert_eq!(url, format!("http://{}/api", fake.addr()));
}

#[tokio::test]
async fn post_message_succeeds_with_increasing_ts() {
    let fake = FakeSlack::start().await;
    let first = post_json(
        &fake,
        "chat.postMessage",
        json!({"channel": "C123", "text": "one"}),
    )
    .await;
    assert_eq!(first.status(), 200);
    assert!(first
        .headers()
        .get("content-type")
        .and_then(|ct| ct.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json")));
    let first = json_of(first).await;
    let second = json_of(
        post_json(
            &fake,
            "chat.postMessage",
            json!({"channel": "C123", "text": "two"}),
        )
        .await,
    )
    .await;

    assert_eq!(first["ok"], true);
    assert_eq!(first["channel"], "C123");
    // A ts is the time Slack stored the message, as seconds.microseconds.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64();
    assert!(
        (ts_value(&first["ts"]) - now).abs() < 60.0,
        "{}",
        first["ts"]
    );
    assert_eq!(first["message"]["ts"], first["ts"]);
    assert_eq!(first["message"]["text"], "one");
    assert!(ts_value(&second["ts"]) > ts_value(&first["ts"]));
    assert!(second["ts"].as_str() > first["ts"].as_str());

    let calls = fake.wait_for_calls("chat.postMessage", 2, WAIT).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].body, json!({"channel": "C123", "text": "one"}));
    assert_eq!(calls[1].body["text"], "two");
    assert_eq!(
        calls[0].authorization.as_deref(),
        Some("Bearer xoxb-test-token")
    );
    assert_eq!(calls[0].status, 200);
    assert!(calls[0].received_at <= calls[1].received_at);
}

#[tokio::test]
async fn post_message_to_a_user_answers_their_dm_channel() {
    let fake = FakeSlack::start().await;
    let posted = json_of(
        post_json(
            &fake,
            "chat.postMessage",
            json!({"channel": "U0ABC", "text": "hi"}),
        )
        .await,
    )
    .await;
    let opened =
        json_of(post_json(&fake, "conversations.open", json!({"users": ["U0ABC"]})).await).await;
    assert_eq!(posted["channel"], "DU0ABC");
    assert_eq!(opened["channel"]["id"], "DU0ABC");
    assert_eq!(FakeSlack::dm_channel_for("U0ABC"), "DU0ABC");
}

#[tokio::test]
async fn scripted_rate_limit_then_success() {
    let fake = FakeSlack::start().await;
    fake.push_response(
        "chat.postMessage",
        Scripted::RateLimited {
            retry_after_secs: 3,
        },
    );
    let body = json!({"channel": "C1", "text": "hello"});

    let limited = post_json(&fake, "chat.postMessage", body.clone()).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(
        limited
            .headers()
            .get("retry-after")
            .and_then(|ra| ra.to_str().ok()),
        Some("3")
    );
    assert_eq!(
        json_of(limited).await,
        json!({"ok": false, "error": "ratelimited"})
    );

    let retried = post_json(&fake, "chat.postMessage", body).await;
    assert_eq!(retried.status(), 200);
    assert_eq!(json_of(retried).await["ok"], true);

    let statuses: Vec<u16> = fake
        .calls_to("chat.postMessage")
        .iter()
        .map(|call| call.status)
        .collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test]
async fn scripted_server_and_slack_errors() {
    let fake = FakeSlack::start().await;
    fake.push_response("chat.update", Scripted::ServerError(500));
    fake.push_response(
        "chat.update",
        Scripted::SlackError("message_not_found".into()),
    );
    let body = json!({"channel": "C1", "ts": "1700000000.000100", "text": "edited"});

    let failed = post_json(&fake, "chat.update", body.clone()).await;
    assert_eq!(failed.status(), 500);

    let slack_error = post_json(&fake, "chat.update", body.clone()).await;
    assert_eq!(slack_error.status(), 200);
    assert_eq!(
        json_of(slack_error).await,
        json!({"ok": false, "error": "message_not_found"})
    );

    let updated = json_of(post_json(&fake, "chat.update", body).await).await;
    assert_eq!(updated["ok"], true);
    assert_eq!(updated["ts"], "1700000000.000100");
    assert_eq!(updated["text"], "edited");

    let statuses: Vec<u16> = fake.calls().iter().map(|call| call.status).collect();
    assert_eq!(statuses, [500, 200, 200]);
    assert!(fake
        .calls()
        .iter()
        .all(|call| call.body["text"] == "edited"));
}

#[tokio::test]
async fn scripted_delay_outlasts_a_client_timeout_and_is_recorded() {
    let fake = FakeSlack::start().await;
    fake.push_response("views.open", Scripted::Delay(Duration::from_millis(500)));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("build reqwest client");
    let result = client
        .post(format!("{}/views.open", fake.api_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .json(&json!({"trigger_id": fake.new_trigger(), "view": minimal_modal()}))
        .send()
        .await;
    let err = result.expect_err("the delayed answer outlasts the client's timeout");
    assert!(err.is_timeout(), "{err}");
    assert_eq!(fake.calls_to("views.open").len(), 1);

    // The queue is drained: the next call answers at once.
    let view = json_of(
        post_json(
            &fake,
            "views.open",
            json!({"trigger_id": fake.new_trigger(), "view": minimal_modal()}),
        )
        .await,
    )
    .await;
    assert_eq!(view["ok"], true);
    assert!(view["view"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with('V')));
    assert_eq!(view["view"]["team_id"], TEAM_ID);
}

#[tokio::test]
async fn form_and_query_parameters_are_recorded_as_json_objects() {
    let fake = FakeSlack::start().await;
    let response = http()
        .post(format!("{}/chat.postMessage", fake.api_url()))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("channel=C9&text=hello+there%21")
        .send()
        .await
        .expect("send form request");
    assert_eq!(json_of(response).await["channel"], "C9");

    fake.seed_user("U42", "Sam Jones");
    let user = json_of(
        http()
            .get(format!("{}/users.info?user=U42", fake.api_url()))
            .header("authorization", format!("Bearer {TOKEN}"))
            .send()
            .await
            .expect("send users.info"),
    )
    .await;
    assert_eq!(user["user"]["id"], "U42");
    assert_eq!(user["user"]["tz"], "Europe/London");

    assert_eq!(
        fake.calls_to("chat.postMessage")[0].body,
        json!({"channel": "C9", "text": "hello there!"})
    );
    assert_eq!(fake.calls_to("users.info")[0].body, json!({"user": "U42"}));
}

#[tokio::test]
async fn calls_without_a_token_are_not_authed() {
    let fake = FakeSlack::start().await;
    let response = http()
        .post(format!("{}/auth.test", fake.api_url()))
        .send()
        .await
        .expect("send auth.test");
    assert_eq!(
        json_of(response).await,
        json!({"ok": false, "error": "not_authed"})
    );
    assert_eq!(fake.calls_to("auth.test")[0].authorization, None);
}

/// `users.info` as the bot calls it: a GET with the user in the query and its bot token.
async fn users_info(fake: &FakeSlack, user: &str, token: Option<&str>) -> Value {
    let mut request = http().get(format!("{}/users.info?user={user}", fake.api_url()));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    json_of(request.send().await.expect("send users.info")).await
}

#[tokio::test]
async fn users_info_answers_seeded_users_in_slacks_shape_and_no_one_else() {
    let fake = FakeSlack::start().await;
    fake.seed_user("U0SPOC", "Priya Sharma");
    let answer = users_info(&fake, "U0SPOC", Some(TOKEN)).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let user = &answer["user"];
    assert_eq!(user["id"], "U0SPOC");
    assert_eq!(user["team_id"], TEAM_ID);
    assert_eq!(user["name"], "priya");
    assert_eq!(user["real_name"], "Priya Sharma");
    assert_eq!(user["profile"]["real_name"], "Priya Sharma");
    assert_eq!(user["profile"]["display_name"], "Priya");
    assert_eq!(user["is_bot"], false);
    assert_eq!(user["deleted"], false);
    assert_eq!(user["is_restricted"], false);

    // Nobody else exists: not a made-up user.
    assert_eq!(
        users_info(&fake, "U0NOBODY", Some(TOKEN)).await,
        json!({"ok": false, "error": "user_not_found"})
    );
    let missing = json_of(
        http()
            .get(format!("{}/users.info", fake.api_url()))
            .header("authorization", format!("Bearer {TOKEN}"))
            .send()
            .await
            .expect("send users.info"),
    )
    .await;
    assert_eq!(missing, json!({"ok": false, "error": "user_not_found"}));

    // The bot itself is a user, and a bot.
    let bot = users_info(&fake, BOT_USER_ID, Some(TOKEN)).await;
    assert_eq!(bot["user"]["is_bot"], true, "{bot}");

    // A member changed as a test needs, e.g. deactivated.
    let mut gone = FakeSlack::user_json("U0GONE", "Sam Jones");
    gone["deleted"] = json!(true);
    fake.seed_user_json(gone);
    let answer = users_info(&fake, "U0GONE", Some(TOKEN)).await;
    assert_eq!(
        (answer["ok"].clone(), answer["user"]["deleted"].clone()),
        (json!(true), json!(true))
    );
}

#[tokio::test]
async fn users_info_takes_a_bot_or_user_token_only() {
    let fake = FakeSlack::start().await;
    fake.seed_user("U0SPOC", "Priya Sharma");
    assert_eq!(
        users_info(&fake, "U0SPOC", None).await,
        json!({"ok": false, "error": "not_authed"})
    );
    assert_eq!(
        users_info(&fake, "U0SPOC", Some("xapp-1-A0-123-abc")).await,
        json!({"ok": false, "error": "not_allowed_token_type"})
    );
    assert_eq!(
        users_info(&fake, "U0SPOC", Some("not-a-token")).await,
        json!({"ok": false, "error": "invalid_auth"})
    );
    assert_eq!(
        users_info(&fake, "U0SPOC", Some("xoxp-user-token")).await["ok"],
        true
    );
    let answer = users_info(&fake, "U0SPOC", Some(TOKEN)).await;
    assert_eq!(answer["user"]["real_name"], "Priya Sharma");
    assert_eq!(
        fake.calls_to("users.info")
            .last()
            .and_then(|c| c.authorization.clone()),
        Some(format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn unknown_methods_succeed_and_unknown_paths_are_recorded() {
    let fake = FakeSlack::start().await;
    let answer = json_of(post_json(&fake, "reactions.add", json!({"name": "eyes"})).await).await;
    assert_eq!(answer, json!({"ok": true}));

    let missing = http()
        .post(format!("http://{}/nowhere", fake.addr()))
        .send()
        .await
        .expect("send to an unknown path");
    assert_eq!(missing.status(), 404);
    assert_eq!(fake.calls_to("unmatched:POST /nowhere").len(), 1);
}

#[tokio::test]
async fn upload_flow() {
    let fake = FakeSlack::start().await;
    let url = json_of(
        http()
            .get(format!(
                "{}/files.getUploadURLExternal?filename=letter.txt&length=11",
                fake.api_url()
            ))
            .header("authorization", format!("Bearer {TOKEN}"))
            .send()
            .await
            .expect("send files.getUploadURLExternal"),
    )
    .await;
    let file_id = url["file_id"].as_str().expect("file_id").to_owned();
    let upload_url = url["upload_url"].as_str().expect("upload_url").to_owned();
    assert!(file_id.starts_with('F'));
    assert_eq!(
        upload_url,
        format!("http://{}/upload/{file_id}", fake.addr())
    );

    let uploaded = http()
        .post(&upload_url)
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "text/plain")
        .body("hello world")
        .send()
        .await
        .expect("upload raw bytes");
    assert_eq!(uploaded.status(), 200);
    assert_eq!(uploaded.text().await.expect("upload answer"), "OK - 11");

    // Completed while the bytes uploaded match the declared length (11).
    let completed = json_of(
        post_json(
            &fake,
            "files.completeUploadExternal",
            json!({"files": [{"id": file_id, "title": "Letter"}], "channel_id": "C1"}),
        )
        .await,
    )
    .await;
    assert_eq!(completed["files"][0]["id"], file_id.as_str());
    assert_eq!(completed["files"][0]["title"], "Letter");

    let boundary = "XyZBoundary";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nmultipart body\r\n--{boundary}--\r\n"
    );
    http()
        .post(&upload_url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(multipart)
        .send()
        .await
        .expect("upload multipart");
    http()
        .post(&upload_url)
        .body(vec![0xff_u8, 0xfe, 0x00])
        .send()
        .await
        .expect("upload binary");

    let uploads = fake.wait_for_calls("upload", 3, WAIT).await;
    assert_eq!(uploads[0].body["file_id"], file_id.as_str());
    assert_eq!(uploads[0].body["length"], 11);
    assert_eq!(uploads[0].body["text"], "hello world");
    assert_eq!(uploads[1].body["length"], 14);
    assert_eq!(uploads[1].body["text"], "multipart body");
    assert_eq!(uploads[1].body["filename"], "a.txt");
    assert_eq!(uploads[2].body["length"], 3);
    assert!(uploads[2].body.get("text").is_none());
}

/// Issue 10 (R-DP-1, the export's files): the fake refuses uploads real Slack refuses,
/// so a file the bot names or sizes wrongly fails a test instead of production.
#[tokio::test]
async fn r_dp_1_file_uploads_need_a_filename_a_length_and_bytes_of_that_length() {
    let fake = FakeSlack::start().await;
    let get_url = |query: &'static str| {
        let url = format!("{}/files.getUploadURLExternal?{query}", fake.api_url());
        async move {
            json_of(
                http()
                    .get(url)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .send()
                    .await
                    .expect("send files.getUploadURLExternal"),
            )
            .await
        }
    };
    assert_eq!(get_url("length=5").await["error"], "invalid_arguments");
    assert_eq!(
        get_url("filename=a.json").await["error"],
        "missing_argument"
    );
    assert_eq!(
        get_url("filename=a.json&length=0").await["error"],
        "missing_argument"
    );
    let complete = |id: String| {
        let fake = &fake;
        async move {
            json_of(
                post_json(
                    fake,
                    "files.completeUploadExternal",
                    json!({"files": [{"id": id, "title": "Export"}], "channel_id": "DU0ADMIN"}),
                )
                .await,
            )
            .await
        }
    };
    // Never handed out, or never uploaded.
    assert_eq!(complete("F999".into()).await["error"], "file_not_found");
    let url = get_url("filename=a.json&length=5").await;
    let file_id = url["file_id"].as_str().expect("file_id").to_owned();
    assert_eq!(complete(file_id.clone()).await["error"], "file_not_found");
    // Bytes of another length than declared.
    let upload_url = url["upload_url"].as_str().expect("upload_url").to_owned();
    let upload = |body: &'static str| {
        let upload_url = upload_url.clone();
        async move {
            http()
                .post(upload_url)
                .body(body)
                .send()
                .await
                .expect("upload");
        }
    };
    upload("too long").await;
    assert_eq!(
        complete(file_id.clone()).await["error"],
        "invalid_arguments"
    );
    upload("right").await;
    assert_eq!(complete(file_id.clone()).await["ok"], true);
    // Six refusals above, and the "too long" upload itself, refused as length_mismatch.
    assert_eq!(fake.refusals().len(), 7);
    let empty =
        json_of(post_json(&fake, "files.completeUploadExternal", json!({"files": []})).await).await;
    assert_eq!(empty["error"], "invalid_arguments");
}

#[tokio::test]
async fn response_urls_are_recorded() {
    let fake = FakeSlack::start().await;
    let url = fake.response_url("abc");
    assert_eq!(url, format!("http://{}/response/abc", fake.addr()));
    let answer = http()
        .post(&url)
        .json(&json!({"text": "done", "replace_original": true}))
        .send()
        .await
        .expect("post to response_url");
    assert_eq!(json_of(answer).await, json!({"ok": true}));
    let calls = fake.wait_for_calls("response_url:abc", 1, WAIT).await;
    assert_eq!(calls[0].body["replace_original"], true);
}

#[tokio::test]
#[should_panic(expected = "timed out after 50ms waiting for 1 call(s) to \"chat.delete\", got 0")]
async fn wait_for_calls_panics_listing_what_arrived() {
    let fake = FakeSlack::start().await;
    post_json(&fake, "chat.postMessage", json!({"channel": "C1"})).await;
    fake.wait_for_calls("chat.delete", 1, Duration::from_millis(50))
        .await;
}

/// The same flows through slack-morphism, as the bot makes them, so every default answer is
/// known to deserialise.
mod with_slack_morphism {
    use super::*;
    use hyper_util::client::legacy::connect::HttpConnector;
    use slack_morphism::errors::SlackClientError;
    use slack_morphism::prelude::*;

    type Client = SlackClient<SlackClientHyperConnector<HttpConnector>>;

    fn client(fake: &FakeSlack) -> Client {
        SlackClient::new(
            SlackClientHyperConnector::with_connector(HttpConnector::new())
                .with_slack_api_url(&fake.api_url()),
        )
    }

    fn token() -> SlackApiToken {
        SlackApiToken::new(TOKEN.into())
    }

    fn text(text: &str) -> SlackMessageContent {
        SlackMessageContent::new().with_text(text.into())
    }

    #[tokio::test]
    async fn chat_methods() {
        let fake = FakeSlack::start().await;
        let client = client(&fake);
        let token = token();
        let session = client.open_session(&token);

        let posted = session
            .chat_post_message(&SlackApiChatPostMessageRequest::new(
                "C1".into(),
                text("hello"),
            ))
            .await
            .expect("chat.postMessage");
        assert_eq!(posted.channel, "C1".into());
        assert_eq!(posted.message.origin.ts, posted.ts);

        let to_user = session
            .chat_post_message(&SlackApiChatPostMessageRequest::new(
                "U77".into(),
                text("dm"),
            ))
            .await
            .expect("chat.postMessage to a user");
        assert_eq!(to_user.channel, "DU77".into());
        assert!(to_user.ts.value() > posted.ts.value());

        session
            .chat_post_ephemeral(&SlackApiChatPostEphemeralRequest::new(
                "C1".into(),
                "U1".into(),
                text("psst"),
            ))
            .await
            .expect("chat.postEphemeral");
        let updated = session
            .chat_update(&SlackApiChatUpdateRequest::new(
                "C1".into(),
                text("edited"),
                posted.ts.clone(),
            ))
            .await
            .expect("chat.update");
        assert_eq!(updated.ts, posted.ts);
        let deleted = session
            .chat_delete(&SlackApiChatDeleteRequest::new(
                "C1".into(),
                posted.ts.clone(),
            ))
            .await
            .expect("chat.delete");
        assert_eq!(deleted.ts, posted.ts);

        let call = &fake.calls_to("chat.postMessage")[0];
        assert_eq!(call.body["text"], "hello");
        assert_eq!(
            call.authorization.as_deref(),
            Some("Bearer xoxb-test-token")
        );
    }

    #[tokio::test]
    async fn views_users_conversations_and_auth() {
        let fake = FakeSlack::start().await;
        let client = client(&fake);
        let token = token();
        let session = client.open_session(&token);

        let modal = SlackView::Modal(
            SlackModalView::new(
                "Report".to_string().into(),
                slack_blocks![some_into(
                    SlackSectionBlock::new().with_text(md!("Details"))
                )],
            )
            .with_callback_id("report".into())
            .with_private_metadata("{\"case\":1}".into()),
        );
        let opened = session
            .views_open(&SlackApiViewsOpenRequest::new(
                fake.new_trigger().into(),
                modal.clone(),
            ))
            .await
            .expect("views.open");
        let view_id = opened.view.state_params.id.clone();
        assert!(view_id.value().starts_with('V'));
        // Slack adds the fields the view left out (external_id "", clear_on_close false, …).
        let (SlackView::Modal(sent), SlackView::Modal(got)) = (&modal, &opened.view.view) else {
            panic!("views.open answers a modal: {:?}", opened.view.view);
        };
        assert_eq!(got.title, sent.title);
        assert_eq!(got.blocks, sent.blocks);
        assert_eq!(got.callback_id, sent.callback_id);
        assert_eq!(got.private_metadata, sent.private_metadata);

        let updated = session
            .views_update(
                &SlackApiViewsUpdateRequest::new(modal.clone()).with_view_id(view_id.clone()),
            )
            .await
            .expect("views.update");
        assert_eq!(updated.view.state_params.id, view_id);
        session
            .views_push(&SlackApiViewsPushRequest::new(
                fake.new_trigger().into(),
                modal,
            ))
            .await
            .expect("views.push");
        session
            .views_publish(&SlackApiViewsPublishRequest::new(
                "U1".into(),
                SlackView::Home(SlackHomeView::new(vec![])),
            ))
            .await
            .expect("views.publish");

        fake.seed_user("U5", "Sam Jones");
        let user = session
            .users_info(&SlackApiUsersInfoRequest::new("U5".into()))
            .await
            .expect("users.info");
        assert_eq!(user.user.id, "U5".into());
        assert_eq!(user.user.tz.as_deref(), Some("Europe/London"));
        // slack-morphism reads the names and flags the bot looks at.
        let profile = user.user.profile.clone().expect("profile");
        assert_eq!(profile.real_name.as_deref(), Some("Sam Jones"));
        assert_eq!(profile.display_name.as_deref(), Some("Sam"));
        assert_eq!(user.user.deleted, Some(false));
        assert_eq!(user.user.flags.is_bot, Some(false));
        let unknown = session
            .users_info(&SlackApiUsersInfoRequest::new("U0NOBODY".into()))
            .await
            .expect_err("no such user");
        assert!(
            matches!(&unknown, SlackClientError::ApiError(e) if e.code == "user_not_found"),
            "{unknown:?}"
        );

        let dm = session
            .conversations_open(
                &SlackApiConversationsOpenRequest::new().with_users(vec!["U5".into()]),
            )
            .await
            .expect("conversations.open");
        assert_eq!(dm.channel.id, "DU5".into());
        session
            .conversations_open_full(
                &SlackApiConversationsOpenRequest::new().with_users(vec!["U5".into()]),
            )
            .await
            .expect("conversations.open with return_im");

        let me = session.auth_test().await.expect("auth.test");
        assert_eq!(me.user_id, BOT_USER_ID.into());
        assert_eq!(me.team_id, TEAM_ID.into());
    }

    #[tokio::test]
    async fn file_upload() {
        let fake = FakeSlack::start().await;
        let client = client(&fake);
        let token = token();
        let session = client.open_session(&token);
        let content = "Dear service user".as_bytes().to_vec();

        let url = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                "letter.txt".into(),
                content.len(),
            ))
            .await
            .expect("files.getUploadURLExternal");
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                url.upload_url.clone(),
                content.clone(),
                "text/plain".into(),
            ))
            .await
            .expect("upload");
        let completed = session
            .files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![SlackApiFilesComplete::new(
                    url.file_id.clone(),
                )
                .with_title("Letter".into())])
                .with_channel_id("C1".into()),
            )
            .await
            .expect("files.completeUploadExternal");
        assert_eq!(completed.files[0].id, url.file_id);

        let upload = &fake.calls_to("upload")[0];
        assert_eq!(upload.body["file_id"], url.file_id.value().as_str());
        assert_eq!(upload.body["length"], content.len());
        assert_eq!(upload.body["text"], "Dear service user");
        assert_eq!(
            fake.calls_to("files.getUploadURLExternal")[0].body,
            json!({"filename": "letter.txt", "length": "17"})
        );
    }

    #[tokio::test]
    async fn scripted_failures_map_to_slack_morphism_errors() {
        let fake = FakeSlack::start().await;
        let client = client(&fake);
        let token = token();
        let session = client.open_session(&token);
        let request = SlackApiChatPostMessageRequest::new("C1".into(), text("hi"));
        fake.push_response(
            "chat.postMessage",
            Scripted::RateLimited {
                retry_after_secs: 7,
            },
        );
        fake.push_response("chat.postMessage", Scripted::ServerError(503));
        fake.push_response(
            "chat.postMessage",
            Scripted::SlackError("channel_not_found".into()),
        );

        match session.chat_post_message(&request).await {
            Err(SlackClientError::RateLimitError(err)) => {
                assert_eq!(err.retry_after, Some(Duration::from_secs(7)));
                assert_eq!(err.code.as_deref(), Some("ratelimited"));
            }
            other => panic!("expected a rate limit error, got {other:?}"),
        }
        match session.chat_post_message(&request).await {
            Err(SlackClientError::HttpError(err)) => assert_eq!(err.status_code.as_u16(), 503),
            other => panic!("expected an HTTP error, got {other:?}"),
        }
        match session.chat_post_message(&request).await {
            Err(SlackClientError::ApiError(err)) => assert_eq!(err.code, "channel_not_found"),
            other => panic!("expected an API error, got {other:?}"),
        }
        session
            .chat_post_message(&request)
            .await
            .expect("success once the script is used up");
    }

    #[tokio::test]
    async fn respond_to_event() {
        let fake = FakeSlack::start().await;
        let client = client(&fake);
        let response_url = SlackResponseUrl::new(
            fake.response_url("interaction-1")
                .parse()
                .expect("response_url parses"),
        );
        client
            .respond_to_event(
                &response_url,
                &SlackApiPostWebhookMessageRequest::new(text("Recorded"))
                    .with_replace_original(true),
            )
            .await
            .expect("respond via response_url");
        let call = &fake.calls_to("response_url:interaction-1")[0];
        assert_eq!(call.body["text"], "Recorded");
        assert_eq!(call.body["replace_original"], true);
    }
}

/// One test per row of the Block Kit limits table: at the limit Slack accepts, one over (and,
/// where there is a minimum, one under) it refuses with its own `invalid_blocks` shape.
mod block_kit_limits {
    use super::{json, json_of, post_json, FakeSlack, Value};
    use crate::fake_slack::block_kit_limits::{check_options_answer, limit, LIMITS};

    /// `n` characters that take two bytes each in UTF-8, so a limit counted in bytes would
    /// show up.
    fn chars(n: usize) -> String {
        "é".repeat(n)
    }

    fn pt(text: &str) -> Value {
        json!({ "type": "plain_text", "text": text })
    }

    fn option(text: &str, value: &str) -> Value {
        json!({ "text": pt(text), "value": value })
    }

    fn options(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| option(&format!("o{i}"), &format!("v{i}")))
            .collect()
    }

    fn message(blocks: Vec<Value>) -> (&'static str, Value) {
        (
            "chat.postMessage",
            json!({ "channel": "C1", "text": "t", "blocks": blocks }),
        )
    }

    fn modal_with(view: Value) -> (&'static str, Value) {
        let mut modal = json!({
            "type": "modal",
            "title": pt("Title"),
            "submit": pt("Send"),
            "close": pt("Cancel"),
            "blocks": [],
        });
        for (key, value) in view.as_object().expect("object").clone() {
            modal[key] = value;
        }
        ("views.update", json!({ "view_id": "V1", "view": modal }))
    }

    fn in_actions(element: Value) -> (&'static str, Value) {
        message(vec![json!({ "type": "actions", "elements": [element] })])
    }

    fn button_with(extra: Value) -> Value {
        let mut button = json!({ "type": "button", "text": pt("Go"), "action_id": "go" });
        for (key, value) in extra.as_object().expect("object").clone() {
            button[key] = value;
        }
        button
    }

    fn confirm_with(field: &str, n: usize) -> (&'static str, Value) {
        let mut confirm = json!({
            "title": pt("Sure?"), "text": pt("Really?"), "confirm": pt("Yes"), "deny": pt("No"),
        });
        confirm[field] = pt(&chars(n));
        in_actions(button_with(json!({ "confirm": confirm })))
    }

    fn text_input(extra: Value) -> (&'static str, Value) {
        let mut element = json!({ "type": "plain_text_input", "action_id": "t" });
        for (key, value) in extra.as_object().expect("object").clone() {
            element[key] = value;
        }
        modal_with(json!({ "blocks": [{ "type": "input", "label": pt("L"), "element": element }] }))
    }

    fn select_with(kind: &str, extra: Value) -> (&'static str, Value) {
        let mut element = json!({ "type": kind, "action_id": "s", "placeholder": pt("Pick") });
        for (key, value) in extra.as_object().expect("object").clone() {
            element[key] = value;
        }
        in_actions(element)
    }

    /// Asserts what the fake answers `probe`; `"options_answer"` probes are checked as the
    /// options endpoint's answer is (the helpers do so for the bot's answers).
    async fn accepted(fake: &FakeSlack, (method, body): (&str, Value)) -> Value {
        if method == "options_answer" {
            let violations = check_options_answer(&body);
            return json!({ "ok": violations.is_empty(),
                "response_metadata": { "messages":
                    violations.iter().map(|v| format!("[ERROR] {}", v.slack_error())).collect::<Vec<_>>() } });
        }
        let mut body = body;
        if method == "views.update" {
            // Slack updates only a view it has open: open one to update.
            let opened = json_of(
                post_json(
                    fake,
                    "views.open",
                    json!({ "trigger_id": fake.new_trigger(), "view": super::minimal_modal() }),
                )
                .await,
            )
            .await;
            body["view_id"] = opened["view"]["id"].clone();
        }
        json_of(post_json(fake, method, body).await).await
    }

    async fn boundary(key: &str, build: fn(usize) -> (&'static str, Value)) {
        let limit = limit(key);
        let fake = FakeSlack::start().await;
        let mut probes = Vec::new();
        if limit.max != usize::MAX {
            probes.push((limit.max, true));
            probes.push((limit.max + 1, false));
        }
        if limit.min > 0 {
            probes.push((limit.min, true));
            probes.push((limit.min - 1, false));
        }
        for (size, ok) in probes {
            let answer = accepted(&fake, build(size)).await;
            assert_eq!(answer["ok"], ok, "{key} at {size}: {answer}");
            if !ok {
                let messages = answer["response_metadata"]["messages"]
                    .as_array()
                    .expect("messages");
                assert!(
                    messages.iter().any(|m| {
                        let m = m.as_str().unwrap_or_default();
                        m.starts_with("[ERROR] ") && m.contains("[json-pointer:/")
                    }),
                    "{key} at {size}: {answer}"
                );
                if build(size).0 != "options_answer" {
                    assert_eq!(answer["error"], "invalid_blocks", "{answer}");
                    assert_eq!(
                        answer["errors"].as_array().map(Vec::len),
                        Some(messages.len())
                    );
                }
            }
        }
        if build(limit.max.min(100)).0 != "options_answer" {
            let refused = fake.refusals();
            assert_eq!(
                refused.len(),
                usize::from(limit.max != usize::MAX) + usize::from(limit.min > 0),
                "{refused:?}"
            );
        }
    }

    macro_rules! limit_rows {
        ($($name:ident: $key:literal => $build:expr;)+) => {
            /// Rows with a boundary test below.
            const COVERED: &[&str] = &[$($key),+];
            $(
                #[tokio::test]
                async fn $name() {
                    boundary($key, $build).await;
                }
            )+
        };
    }

    limit_rows! {
        message_blocks: "message.blocks" => |n| message(vec![json!({ "type": "divider" }); n]);
        message_text: "message.text" => |n| ("chat.postMessage", json!({ "channel": "C1", "text": chars(n) }));
        view_blocks: "view.blocks" => |n| modal_with(json!({ "blocks": vec![json!({ "type": "divider" }); n] }));
        view_title: "view.title" => |n| modal_with(json!({ "title": pt(&chars(n)) }));
        view_submit: "view.submit" => |n| modal_with(json!({ "submit": pt(&chars(n)) }));
        view_close: "view.close" => |n| modal_with(json!({ "close": pt(&chars(n)) }));
        view_private_metadata: "view.private_metadata" => |n| modal_with(json!({ "private_metadata": chars(n) }));
        view_callback_id: "view.callback_id" => |n| modal_with(json!({ "callback_id": chars(n) }));
        view_external_id: "view.external_id" => |n| modal_with(json!({ "external_id": chars(n) }));
        block_id: "block.block_id" => |n| message(vec![json!({ "type": "divider", "block_id": chars(n) })]);
        section_text: "section.text" => |n| message(vec![json!({ "type": "section", "text": { "type": "mrkdwn", "text": chars(n) } })]);
        section_fields: "section.fields" => |n| message(vec![json!({ "type": "section", "fields": vec![pt("f"); n] })]);
        section_field: "section.field" => |n| message(vec![json!({ "type": "section", "fields": [pt(&chars(n))] })]);
        header_text: "header.text" => |n| message(vec![json!({ "type": "header", "text": pt(&chars(n)) })]);
        context_elements: "context.elements" => |n| message(vec![json!({ "type": "context", "elements": vec![json!({ "type": "mrkdwn", "text": "c" }); n] })]);
        actions_elements: "actions.elements" => |n| message(vec![json!({ "type": "actions", "elements":
            (0..n).map(|i| button_with(json!({ "action_id": format!("a{i}") }))).collect::<Vec<_>>() })]);
        input_label: "input.label" => |n| modal_with(json!({ "blocks": [{ "type": "input", "label": pt(&chars(n)),
            "element": { "type": "plain_text_input", "action_id": "t" } }] }));
        input_hint: "input.hint" => |n| modal_with(json!({ "blocks": [{ "type": "input", "label": pt("L"), "hint": pt(&chars(n)),
            "element": { "type": "plain_text_input", "action_id": "t" } }] }));
        button_text: "button.text" => |n| in_actions(button_with(json!({ "text": pt(&chars(n)) })));
        button_value: "button.value" => |n| in_actions(button_with(json!({ "value": chars(n) })));
        button_url: "button.url" => |n| in_actions(button_with(json!({ "url": format!("https://e.x/{}", "a".repeat(n - 12)) })));
        element_action_id: "element.action_id" => |n| in_actions(button_with(json!({ "action_id": chars(n) })));
        option_text: "option.text" => |n| select_with("static_select", json!({ "options": [option(&chars(n), "v")] }));
        option_value: "option.value" => |n| select_with("static_select", json!({ "options": [option("o", &chars(n))] }));
        option_description: "option.description" => |n| select_with("static_select",
            json!({ "options": [{ "text": pt("o"), "value": "v", "description": pt(&chars(n)) }] }));
        option_group_label: "option_group.label" => |n| select_with("static_select",
            json!({ "option_groups": [{ "label": pt(&chars(n)), "options": options(1) }] }));
        option_group_options: "option_group.options" => |n| select_with("static_select",
            json!({ "option_groups": [{ "label": pt("g"), "options": options(n) }] }));
        select_option_groups: "select.option_groups" => |n| select_with("static_select",
            json!({ "option_groups": (0..n).map(|i| json!({ "label": pt("g"), "options": [option("o", &format!("v{i}"))] })).collect::<Vec<_>>() }));
        select_options: "select.options" => |n| select_with("static_select", json!({ "options": options(n) }));
        select_placeholder: "select.placeholder" => |n| select_with("static_select", json!({ "options": options(1), "placeholder": pt(&chars(n)) }));
        multi_select_options: "multi_select.options" => |n| select_with("multi_static_select", json!({ "options": options(n) }));
        checkboxes_options: "checkboxes.options" => |n| in_actions(json!({ "type": "checkboxes", "action_id": "c", "options": options(n) }));
        radio_buttons_options: "radio_buttons.options" => |n| in_actions(json!({ "type": "radio_buttons", "action_id": "r", "options": options(n) }));
        overflow_options: "overflow.options" => |n| in_actions(json!({ "type": "overflow", "action_id": "o", "options": options(n) }));
        plain_text_input_max_length: "plain_text_input.max_length" => |n| text_input(json!({ "max_length": n }));
        plain_text_input_placeholder: "plain_text_input.placeholder" => |n| text_input(json!({ "placeholder": pt(&chars(n)) }));
        confirm_title: "confirm.title" => |n| confirm_with("title", n);
        confirm_text: "confirm.text" => |n| confirm_with("text", n);
        confirm_confirm: "confirm.confirm" => |n| confirm_with("confirm", n);
        confirm_deny: "confirm.deny" => |n| confirm_with("deny", n);
        text_object_text: "text_object.text" => |n| message(vec![json!({ "type": "header", "text": pt(&chars(n)) })]);
        options_answer_options: "options_answer.options" => |n| ("options_answer", json!({ "options": options(n) }));
        options_answer_option_groups: "options_answer.option_groups" => |n| ("options_answer",
            json!({ "option_groups": (0..n).map(|_| json!({ "label": pt("g"), "options": options(1) })).collect::<Vec<_>>() }));
    }

    #[test]
    fn every_row_of_the_table_has_a_boundary_test() {
        let missing: Vec<&str> = LIMITS
            .iter()
            .map(|limit| limit.key)
            .filter(|key| !COVERED.contains(key))
            .collect();
        assert!(missing.is_empty(), "rows without a test: {missing:?}");
    }

    #[test]
    fn every_row_cites_a_slack_reference_page() {
        for limit in LIMITS {
            assert!(
                limit
                    .source
                    .starts_with("https://docs.slack.dev/reference/"),
                "{limit:?}"
            );
        }
    }

    async fn refused_with(fake: &FakeSlack, probe: (&str, Value), pointer: &str) {
        let answer = accepted(fake, probe).await;
        assert_eq!(answer["ok"], false, "{answer}");
        assert_eq!(answer["error"], "invalid_blocks", "{answer}");
        let pointer = format!("[json-pointer:{pointer}]");
        assert!(
            answer["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e.as_str().unwrap_or_default().ends_with(&pointer)),
            "expected {pointer} in {answer}"
        );
    }

    #[tokio::test]
    async fn block_ids_must_be_unique_within_a_message_and_a_view() {
        let fake = FakeSlack::start().await;
        let twice = vec![
            json!({ "type": "divider", "block_id": "b" }),
            json!({ "type": "divider", "block_id": "b" }),
        ];
        refused_with(&fake, message(twice.clone()), "/blocks/1/block_id").await;
        refused_with(
            &fake,
            modal_with(json!({ "blocks": twice })),
            "/view/blocks/1/block_id",
        )
        .await;
        let distinct = vec![
            json!({ "type": "divider", "block_id": "a" }),
            json!({ "type": "divider", "block_id": "b" }),
        ];
        assert_eq!(accepted(&fake, message(distinct)).await["ok"], true);
    }

    #[tokio::test]
    async fn action_ids_must_be_unique_within_an_actions_block() {
        let fake = FakeSlack::start().await;
        let same = json!({ "type": "actions", "elements": [button_with(json!({})), button_with(json!({}))] });
        refused_with(&fake, message(vec![same]), "/blocks/0/elements/1/action_id").await;
        // The same action_id in two different blocks is fine.
        let one = json!({ "type": "actions", "elements": [button_with(json!({}))] });
        assert_eq!(
            accepted(&fake, message(vec![one.clone(), one])).await["ok"],
            true
        );
    }

    #[tokio::test]
    async fn an_input_holds_exactly_one_element() {
        let fake = FakeSlack::start().await;
        let none = json!({ "type": "input", "label": pt("L") });
        refused_with(
            &fake,
            modal_with(json!({ "blocks": [none] })),
            "/view/blocks/0",
        )
        .await;
        let many = json!({ "type": "input", "label": pt("L"),
            "elements": [{ "type": "plain_text_input" }, { "type": "plain_text_input" }] });
        refused_with(
            &fake,
            modal_with(json!({ "blocks": [many] })),
            "/view/blocks/0",
        )
        .await;
    }

    #[tokio::test]
    async fn a_view_sent_may_not_carry_what_slack_sets() {
        let fake = FakeSlack::start().await;
        for key in ["id", "hash", "state"] {
            refused_with(
                &fake,
                modal_with(json!({ key: "V1" })),
                &format!("/view/{key}"),
            )
            .await;
        }
    }

    #[tokio::test]
    async fn a_number_inputs_initial_value_must_be_a_number_it_accepts() {
        let fake = FakeSlack::start().await;
        let number = |extra: Value| {
            let mut element =
                json!({ "type": "number_input", "action_id": "n", "is_decimal_allowed": false });
            for (key, value) in extra.as_object().expect("object").clone() {
                element[key] = value;
            }
            modal_with(
                json!({ "blocks": [{ "type": "input", "label": pt("L"), "element": element }] }),
            )
        };
        for bad in [
            json!({ "initial_value": "abc" }),
            json!({ "initial_value": "1.5" }),
            json!({ "initial_value": "0", "min_value": "1" }),
            json!({ "initial_value": "601", "max_value": "600" }),
        ] {
            refused_with(&fake, number(bad), "/view/blocks/0/element/initial_value").await;
        }
        let fine = number(json!({ "initial_value": "30", "min_value": "1", "max_value": "600" }));
        assert_eq!(accepted(&fake, fine).await["ok"], true);
    }

    #[tokio::test]
    async fn initial_options_must_be_among_the_options() {
        let fake = FakeSlack::start().await;
        let stray = option("gone", "gone");
        refused_with(
            &fake,
            select_with(
                "static_select",
                json!({ "options": options(2), "initial_option": stray }),
            ),
            "/blocks/0/elements/0/initial_option",
        )
        .await;
        refused_with(
            &fake,
            in_actions(
                json!({ "type": "checkboxes", "action_id": "c", "options": options(2),
                "initial_options": [option("o0", "v0"), option("o9", "v9")] }),
            ),
            "/blocks/0/elements/0/initial_options/1",
        )
        .await;
        let listed = select_with(
            "static_select",
            json!({ "options": options(2), "initial_option": option("o1", "v1") }),
        );
        assert_eq!(accepted(&fake, listed).await["ok"], true);
    }

    #[tokio::test]
    async fn a_section_needs_text_or_fields_and_texts_may_not_be_empty() {
        let fake = FakeSlack::start().await;
        refused_with(
            &fake,
            message(vec![json!({ "type": "section" })]),
            "/blocks/0",
        )
        .await;
        refused_with(
            &fake,
            in_actions(button_with(json!({ "text": pt("") }))),
            "/blocks/0/elements/0/text/text",
        )
        .await;
    }

    #[tokio::test]
    async fn a_modal_with_inputs_needs_a_submit_button_and_a_title() {
        let fake = FakeSlack::start().await;
        let input = json!({ "type": "input", "label": pt("L"),
            "element": { "type": "plain_text_input", "action_id": "t" } });
        refused_with(
            &fake,
            modal_with(json!({ "blocks": [input], "submit": null })),
            "/view",
        )
        .await;
        refused_with(&fake, modal_with(json!({ "title": null })), "/view").await;
    }

    #[tokio::test]
    async fn every_method_with_blocks_or_views_refuses_a_payload_over_a_limit() {
        let fake = FakeSlack::start().await;
        let too_many = vec![json!({ "type": "divider" }); 51];
        for method in ["chat.postMessage", "chat.postEphemeral", "chat.update"] {
            let answer = json_of(
                post_json(
                    &fake,
                    method,
                    json!({ "channel": "C1", "ts": "1.2", "user": "U1", "text": "t", "blocks": too_many }),
                )
                .await,
            )
            .await;
            assert_eq!(answer["error"], "invalid_blocks", "{method}: {answer}");
        }
        let big_view = json!({ "type": "home", "blocks": vec![json!({ "type": "divider" }); 101] });
        for (method, extra) in [
            ("views.open", json!({ "trigger_id": fake.new_trigger() })),
            ("views.push", json!({ "trigger_id": fake.new_trigger() })),
            ("views.update", json!({ "view_id": "V1" })),
            ("views.publish", json!({ "user_id": "U1" })),
        ] {
            let mut body = extra;
            body["view"] = big_view.clone();
            let answer = json_of(post_json(&fake, method, body).await).await;
            assert_eq!(answer["error"], "invalid_blocks", "{method}: {answer}");
            assert!(answer["errors"][0]
                .as_str()
                .unwrap_or_default()
                .contains("/view/blocks"));
        }
        // Form-encoded views (a JSON string) are checked too.
        let answer = json_of(
            super::http()
                .post(format!("{}/views.publish", fake.api_url()))
                .header("authorization", "Bearer xoxb-test-token")
                .form(&[("user_id", "U1".to_owned()), ("view", big_view.to_string())])
                .send()
                .await
                .expect("form views.publish"),
        )
        .await;
        assert_eq!(answer["error"], "invalid_blocks", "{answer}");

        let response = super::http()
            .post(fake.response_url("r"))
            .json(&json!({ "text": "t", "blocks": too_many }))
            .send()
            .await
            .expect("post to response_url");
        assert_eq!(response.status(), 200);
        assert_eq!(json_of(response).await["error"], "invalid_blocks");

        let refused: Vec<String> = fake.refusals().iter().map(|r| r.method.clone()).collect();
        assert_eq!(
            refused,
            [
                "chat.postMessage",
                "chat.postEphemeral",
                "chat.update",
                "views.open",
                "views.push",
                "views.update",
                "views.publish",
                "views.publish",
                "response_url:r",
            ]
        );
    }

    #[tokio::test]
    #[should_panic(expected = "fake slack refused 1 call(s)")]
    async fn assert_no_refusals_fails_with_the_list() {
        let fake = FakeSlack::start().await;
        let _ = accepted(&fake, message(vec![json!({ "type": "divider" }); 51])).await;
        fake.assert_no_refusals();
    }
}

mod triggers {
    use super::{json, json_of, minimal_modal, post_json, FakeSlack};
    use std::time::Duration;

    async fn open(fake: &FakeSlack, trigger: &str) -> serde_json::Value {
        json_of(
            post_json(
                fake,
                "views.open",
                json!({ "trigger_id": trigger, "view": minimal_modal() }),
            )
            .await,
        )
        .await
    }

    #[tokio::test]
    async fn a_fresh_trigger_opens_one_modal() {
        let fake = FakeSlack::start().await;
        let trigger = fake.new_trigger();
        assert_eq!(open(&fake, &trigger).await["ok"], true);
        let again = open(&fake, &trigger).await;
        assert_eq!(again["ok"], false);
        assert_eq!(again["error"], "exchanged_trigger_id");
        assert_eq!(fake.refusals().len(), 1);
    }

    #[tokio::test]
    async fn an_unknown_trigger_is_invalid() {
        let fake = FakeSlack::start().await;
        assert_eq!(
            open(&fake, "1337.42.made-up").await["error"],
            "invalid_trigger_id"
        );
        let missing =
            json_of(post_json(&fake, "views.open", json!({ "view": minimal_modal() })).await).await;
        assert_eq!(missing["error"], "invalid_trigger_id");
    }

    #[tokio::test]
    async fn a_trigger_expires_three_seconds_after_the_action() {
        let fake = FakeSlack::start().await;
        let late = fake.new_trigger();
        let in_time = fake.new_trigger();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        assert_eq!(open(&fake, &in_time).await["ok"], true);
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(open(&fake, &late).await["error"], "expired_trigger_id");
    }
}

mod view_updates {
    use super::{json, json_of, minimal_modal, post_json, FakeSlack};

    #[tokio::test]
    async fn an_update_must_name_an_open_view_and_quote_its_current_hash() {
        let fake = FakeSlack::start().await;
        let trigger = fake.new_trigger();
        let opened = json_of(
            post_json(
                &fake,
                "views.open",
                json!({ "trigger_id": trigger, "view": minimal_modal() }),
            )
            .await,
        )
        .await;
        let id = opened["view"]["id"].as_str().expect("view id").to_owned();
        let first_hash = opened["view"]["hash"].as_str().expect("hash").to_owned();
        let update = |hash: &str| json!({ "view_id": id, "hash": hash, "view": minimal_modal() });

        let updated = json_of(post_json(&fake, "views.update", update(&first_hash)).await).await;
        assert_eq!(updated["ok"], true, "{updated}");
        assert_eq!(updated["view"]["id"], id.as_str());
        assert_ne!(updated["view"]["hash"], first_hash.as_str());

        // The view changed since that hash was read: Slack refuses the stale update.
        let stale = json_of(post_json(&fake, "views.update", update(&first_hash)).await).await;
        assert_eq!(stale["error"], "hash_conflict", "{stale}");
        let without_hash = json!({ "view_id": id, "view": minimal_modal() });
        assert_eq!(
            json_of(post_json(&fake, "views.update", without_hash).await).await["ok"],
            true
        );
        let unknown = json!({ "view_id": "V0NOPE", "view": minimal_modal() });
        assert_eq!(
            json_of(post_json(&fake, "views.update", unknown).await).await["error"],
            "not_found"
        );
        assert_eq!(fake.refusals().len(), 2, "{:?}", fake.refusals());
    }
}

mod scripted_failures {
    use super::{http, post_json, FakeSlack, Scripted, TOKEN};
    use serde_json::json;

    #[tokio::test]
    async fn rate_limited_with_an_empty_body() {
        let fake = FakeSlack::start().await;
        fake.push_response(
            "chat.postMessage",
            Scripted::RateLimitedEmpty {
                retry_after_secs: 7,
            },
        );
        let response = post_json(
            &fake,
            "chat.postMessage",
            json!({ "channel": "C1", "text": "t" }),
        )
        .await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        assert!(response.headers().get("content-type").is_none());
        assert!(response.bytes().await.expect("body").is_empty());
        assert_eq!(fake.calls_to("chat.postMessage")[0].status, 429);
        assert!(fake.refusals().is_empty());
    }

    #[tokio::test]
    async fn server_error_with_an_empty_body() {
        let fake = FakeSlack::start().await;
        fake.push_response("chat.postMessage", Scripted::ServerErrorEmpty(503));
        let response = post_json(
            &fake,
            "chat.postMessage",
            json!({ "channel": "C1", "text": "t" }),
        )
        .await;
        assert_eq!(response.status(), 503);
        assert!(response.bytes().await.expect("body").is_empty());
        let next = post_json(
            &fake,
            "chat.postMessage",
            json!({ "channel": "C1", "text": "t" }),
        )
        .await;
        assert_eq!(next.status(), 200);
    }

    #[tokio::test]
    async fn server_error_with_a_json_body() {
        let fake = FakeSlack::start().await;
        fake.push_response("conversations.open", Scripted::ServerErrorJson(500));
        let response = http()
            .post(format!("{}/conversations.open", fake.api_url()))
            .header("authorization", format!("Bearer {TOKEN}"))
            .json(&json!({ "users": "U1" }))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 500);
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json"));
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body, json!({ "ok": false, "error": "fatal_error" }));
    }
}

/// Slack lists the token's scopes in `X-OAuth-Scopes` on every Web API answer, and refuses
/// a method whose scope the token lacks with `missing_scope`, naming what was needed.
#[tokio::test]
async fn scopes_are_listed_in_a_header_and_a_missing_one_is_refused() {
    let fake = FakeSlack::start().await;
    let response = post_json(&fake, "auth.test", json!({})).await;
    let scopes = response
        .headers()
        .get("x-oauth-scopes")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("x-oauth-scopes header");
    assert_eq!(scopes, fake_slack::GRANTED_SCOPES.join(","));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["team_id"], TEAM_ID);

    fake.set_scopes(&["commands", "chat:write"]);
    fake.set_workspace("T0SOMEWHEREELSE");
    let body: Value = post_json(&fake, "users.info", json!({ "user": BOT_USER_ID }))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"], "missing_scope");
    assert_eq!(body["needed"], "users:read");
    assert_eq!(body["provided"], "commands,chat:write");
    assert_eq!(fake.refusals().len(), 1, "{:?}", fake.refusals());
    let body: Value = post_json(
        &fake,
        "chat.postMessage",
        json!({ "channel": BOT_USER_ID, "text": "hi" }),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(body["ok"], true, "chat:write is still held");
    let body: Value = post_json(&fake, "auth.test", json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["team_id"], "T0SOMEWHEREELSE");
}

/// `auth.test` with a token that is not a bot or user token is `invalid_auth`, as Slack
/// answers it.
#[tokio::test]
async fn auth_test_refuses_a_token_that_is_not_one() {
    let fake = FakeSlack::start().await;
    let body: Value = http()
        .post(format!("{}/auth.test", fake.api_url()))
        .header("authorization", "Bearer not-a-token")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"], "invalid_auth");
}

/// R-DP-2: the deletions erasure makes are refused as Slack refuses them. `chat.delete`
/// takes only a message the bot posted, once; `files.delete` only a file the bot
/// uploaded, once, and needs its `file` argument.
#[tokio::test]
async fn r_dp_2_deletes_are_as_strict_as_slack() {
    let fake = FakeSlack::start().await;
    let error = |body: &Value| body["error"].as_str().map(str::to_owned);

    let posted = json_of(
        post_json(
            &fake,
            "chat.postMessage",
            json!({ "channel": "C1", "text": "hi" }),
        )
        .await,
    )
    .await;
    let ts = posted["ts"].as_str().expect("ts").to_owned();
    let missing = json_of(post_json(&fake, "chat.delete", json!({ "channel": "C1" })).await).await;
    assert_eq!(error(&missing).as_deref(), Some("message_not_found"));
    let unknown = json_of(
        post_json(
            &fake,
            "chat.delete",
            json!({ "channel": "C1", "ts": "1.000001" }),
        )
        .await,
    )
    .await;
    assert_eq!(error(&unknown).as_deref(), Some("message_not_found"));
    fake.seed_history(
        "C1",
        json!({ "type": "message", "ts": "2.000002", "user": "U0SOMEONE", "text": "theirs" }),
    );
    let theirs = json_of(
        post_json(
            &fake,
            "chat.delete",
            json!({ "channel": "C1", "ts": "2.000002" }),
        )
        .await,
    )
    .await;
    assert_eq!(error(&theirs).as_deref(), Some("cant_delete_message"));
    let deleted =
        json_of(post_json(&fake, "chat.delete", json!({ "channel": "C1", "ts": ts })).await).await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    let again =
        json_of(post_json(&fake, "chat.delete", json!({ "channel": "C1", "ts": ts })).await).await;
    assert_eq!(error(&again).as_deref(), Some("message_not_found"));

    let target = json_of(
        post_json(
            &fake,
            "files.getUploadURLExternal",
            json!({ "filename": "a.txt", "length": 1 }),
        )
        .await,
    )
    .await;
    let file = target["file_id"].as_str().expect("file id").to_owned();
    let early = json_of(post_json(&fake, "files.delete", json!({ "file": file })).await).await;
    assert_eq!(
        error(&early).as_deref(),
        Some("file_not_found"),
        "not shared yet"
    );
    let uploaded = http()
        .post(target["upload_url"].as_str().expect("upload url"))
        .body("x")
        .send()
        .await
        .expect("upload");
    assert!(uploaded.status().is_success());
    post_json(
        &fake,
        "files.completeUploadExternal",
        json!({ "files": [{ "id": file, "title": "a" }] }),
    )
    .await;
    let no_arg = json_of(post_json(&fake, "files.delete", json!({})).await).await;
    assert_eq!(error(&no_arg).as_deref(), Some("invalid_arguments"));
    let gone = json_of(post_json(&fake, "files.delete", json!({ "file": "F0NOSUCH" })).await).await;
    assert_eq!(error(&gone).as_deref(), Some("file_not_found"));
    let deleted = json_of(post_json(&fake, "files.delete", json!({ "file": file })).await).await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    let twice = json_of(post_json(&fake, "files.delete", json!({ "file": file })).await).await;
    assert_eq!(error(&twice).as_deref(), Some("file_deleted"));
}

/// R-DP-5: binary uploads (the governance chart) must arrive whole. Like Slack,
/// `files.getUploadURLExternal` requires `filename` and `length`; the upload to its URL
/// must carry exactly `length` bytes or it is refused.
#[tokio::test]
async fn r_dp_5_upload_is_refused_unless_it_carries_the_declared_length() {
    let fake = FakeSlack::start().await;
    let get_url = |query: &'static str| {
        let url = format!("{}/files.getUploadURLExternal?{query}", fake.api_url());
        async move {
            json_of(
                http()
                    .get(url)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .send()
                    .await
                    .expect("send files.getUploadURLExternal"),
            )
            .await
        }
    };
    let missing = get_url("filename=chart.png").await;
    assert_eq!(missing["ok"], false);
    assert_eq!(missing["error"], "missing_argument");

    let url = get_url("filename=chart.png&length=5").await;
    let upload_url = url["upload_url"].as_str().expect("upload_url").to_owned();
    let short = http()
        .post(&upload_url)
        .body(vec![0x89_u8, b'P', b'N'])
        .send()
        .await
        .expect("upload");
    assert_eq!(short.status(), 400);
    assert!(fake
        .refusals()
        .iter()
        .any(|r| r.method == "upload" && r.error == "length_mismatch"));

    let whole = http()
        .post(&upload_url)
        .body(vec![0x89_u8, b'P', b'N', b'G', 0xff])
        .send()
        .await
        .expect("upload");
    assert_eq!(whole.status(), 200);
    let uploads = fake.wait_for_calls("upload", 2, WAIT).await;
    assert_eq!(uploads[1].body["length"], 5);
    assert_eq!(uploads[1].body["base64"], "iVBOR/8=");
}

/// The fake Socket Mode server (`tests/api/fake_socket_mode.rs`) and the Web API method
/// that opens its connections, driven by a plain WebSocket client as a bot would.
mod socket_mode {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use serde_json::{json, Value};
    use tokio_tungstenite::tungstenite::Message;

    use super::fake_slack::socket_mode::{Event, FakeSocketMode, Outcome, MAX_RETRIES};
    use super::{http, FakeSlack, WAIT};

    type Client = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    const APP_TOKEN: &str = "xapp-1-A0FAKEAPP-1-selftest";

    async fn open(fake: &FakeSlack, token: &str) -> Value {
        http()
            .post(format!("{}/apps.connections.open", fake.api_url()))
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    async fn started() -> (FakeSlack, FakeSocketMode) {
        let fake = FakeSlack::start().await;
        let socket = FakeSocketMode::start().await;
        fake.attach_socket_mode(&socket);
        (fake, socket)
    }

    /// Connects with a fresh URL and reads the `hello`.
    async fn connect(fake: &FakeSlack) -> (Client, Value) {
        let url = open(fake, APP_TOKEN).await["url"]
            .as_str()
            .expect("a url")
            .to_owned();
        let (mut client, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("handshake");
        let hello = next_json(&mut client).await.expect("hello");
        (client, hello)
    }

    /// The next text frame, as JSON; `None` once the connection ends.
    async fn next_json(client: &mut Client) -> Option<Value> {
        loop {
            match tokio::time::timeout(WAIT, client.next()).await.ok()?? {
                Ok(Message::Text(text)) => return serde_json::from_str(text.as_str()).ok(),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn ack(client: &mut Client, ack: Value) {
        client
            .send(Message::text(ack.to_string()))
            .await
            .expect("send ack");
    }

    fn help_command() -> Value {
        json!({ "team_id": "T0", "user_id": "U0", "command": "/contact", "text": "help", "trigger_id": "1.2.x" })
    }

    #[tokio::test]
    async fn r_ops_1_connections_open_only_with_an_app_level_token() {
        let (fake, _socket) = started().await;
        let bot = open(&fake, "xoxb-bot-token").await;
        assert_eq!(
            bot,
            json!({ "ok": false, "error": "not_allowed_token_type" })
        );
        let user = open(&fake, "xoxp-user-token").await;
        assert_eq!(user["error"], "not_allowed_token_type");
        assert_eq!(open(&fake, "nonsense").await["error"], "invalid_auth");
        let opened = open(&fake, APP_TOKEN).await;
        assert_eq!(opened["ok"], true);
        let url = opened["url"].as_str().expect("url");
        assert!(
            url.starts_with("ws://127.0.0.1:") && url.contains("/link/?ticket="),
            "{url}"
        );
        // An app-level token works for nothing else.
        let posted = super::post_json(
            &fake,
            "chat.postMessage",
            json!({ "channel": "U0", "text": "hi" }),
        );
        assert_eq!(posted.await.status(), 200);
        let with_app_token: Value = http()
            .post(format!("{}/chat.postMessage", fake.api_url()))
            .header("authorization", format!("Bearer {APP_TOKEN}"))
            .json(&json!({ "channel": "U0", "text": "hi" }))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert_eq!(with_app_token["error"], "not_allowed_token_type");
        let unattached = FakeSlack::start().await;
        assert_eq!(open(&unattached, APP_TOKEN).await["ok"], false);
    }

    #[tokio::test]
    async fn r_ops_1_a_ticket_opens_one_connection_greeted_with_hello() {
        let (fake, socket) = started().await;
        socket.set_connection_time(42);
        let url = open(&fake, APP_TOKEN).await["url"]
            .as_str()
            .expect("url")
            .to_owned();
        let (mut client, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("handshake");
        let hello = next_json(&mut client).await.expect("hello");
        assert_eq!(hello["type"], "hello");
        assert_eq!(hello["num_connections"], 1);
        assert_eq!(hello["debug_info"]["approximate_connection_time"], 42);
        assert_eq!(hello["connection_info"]["app_id"], "A0FAKEAPP");
        assert!(
            tokio_tungstenite::connect_async(url.as_str())
                .await
                .is_err(),
            "a used ticket opened a second connection"
        );
        let made_up = url.replace("ticket=", "ticket=x");
        assert!(tokio_tungstenite::connect_async(made_up.as_str())
            .await
            .is_err());
        socket.refuse_connections(true);
        let fresh = open(&fake, APP_TOKEN).await["url"]
            .as_str()
            .expect("url")
            .to_owned();
        assert!(tokio_tungstenite::connect_async(fresh.as_str())
            .await
            .is_err());
        let refused = socket
            .log()
            .iter()
            .filter(|e| **e == Event::HandshakeRefused)
            .count();
        assert_eq!(refused, 3);
        assert_eq!(socket.live().len(), 1);
    }

    #[tokio::test]
    async fn r_ops_1_an_envelope_is_acknowledged_with_its_payload() {
        let (fake, socket) = started().await;
        let (mut client, _) = connect(&fake).await;
        socket.wait_for_live(1, WAIT).await;
        let id = socket.send("slash_commands", help_command());
        let envelope = next_json(&mut client).await.expect("envelope");
        assert_eq!(envelope["envelope_id"], id.as_str());
        assert_eq!(envelope["type"], "slash_commands");
        assert_eq!(envelope["accepts_response_payload"], true);
        assert_eq!(envelope["retry_attempt"], 0);
        assert_eq!(envelope["payload"]["text"], "help");
        ack(
            &mut client,
            json!({ "envelope_id": id, "payload": { "text": "Here is what I can do" } }),
        )
        .await;
        assert_eq!(
            socket.outcome(&id).await,
            Outcome::Acked {
                payload: Some(json!({ "text": "Here is what I can do" })),
                attempt: 0
            }
        );
        socket.assert_no_refusals();
        // block_actions take no payload; view submissions and searches do.
        let click = socket.send("interactive", json!({ "type": "block_actions" }));
        let envelope = next_json(&mut client).await.expect("envelope");
        assert_eq!(envelope["accepts_response_payload"], false);
        ack(&mut client, json!({ "envelope_id": click })).await;
        assert!(matches!(
            socket.outcome(&click).await,
            Outcome::Acked { payload: None, .. }
        ));
        let search = socket.send("interactive", json!({ "type": "block_suggestion" }));
        assert_eq!(
            next_json(&mut client).await.expect("envelope")["accepts_response_payload"],
            true
        );
        ack(
            &mut client,
            json!({ "envelope_id": search, "payload": { "options": [] } }),
        )
        .await;
        assert!(matches!(
            socket.outcome(&search).await,
            Outcome::Acked {
                payload: Some(_),
                ..
            }
        ));
        socket.assert_no_refusals();
    }

    #[tokio::test]
    async fn r_ops_1_acks_slack_would_refuse_are_refused() {
        let (fake, socket) = started().await;
        let (mut client, _) = connect(&fake).await;
        socket.wait_for_live(1, WAIT).await;
        // An envelope id never sent.
        ack(&mut client, json!({ "envelope_id": "made-up" })).await;
        // Not JSON.
        client.send(Message::text("ok")).await.expect("send");
        // A payload where none is taken.
        let event = socket.send("events_api", json!({ "type": "event_callback" }));
        next_json(&mut client).await.expect("envelope");
        ack(
            &mut client,
            json!({ "envelope_id": event, "payload": { "text": "hi" } }),
        )
        .await;
        socket.outcome(&event).await;
        // The same envelope acknowledged twice.
        ack(&mut client, json!({ "envelope_id": event })).await;
        // A command's answer over a Block Kit limit, and an unknown response_action.
        let command = socket.send("slash_commands", help_command());
        next_json(&mut client).await.expect("envelope");
        ack(
            &mut client,
            json!({ "envelope_id": command, "payload": { "text": "x".repeat(40_001) } }),
        )
        .await;
        let submission = socket.send("interactive", json!({ "type": "view_submission" }));
        next_json(&mut client).await.expect("envelope");
        ack(
            &mut client,
            json!({ "envelope_id": submission, "payload": { "response_action": "shrug" } }),
        )
        .await;
        socket.outcome(&submission).await;
        let refusals = socket
            .wait_until(WAIT, || {
                let refusals = socket.refusals();
                (refusals.len() >= 6).then_some(refusals)
            })
            .await
            .unwrap_or_else(|| panic!("{:?}", socket.refusals()));
        let all = refusals.join("\n");
        for expected in [
            "envelope made-up, which awaits none",
            "not JSON",
            "takes no payload",
            &format!("envelope {event}, which awaits none"),
            "Slack would not show this payload",
            "unknown response_action",
        ] {
            assert!(all.contains(expected), "{expected} not in\n{all}");
        }
        assert_eq!(refusals.len(), 6, "{all}");
    }

    #[tokio::test]
    async fn r_ops_1_an_unacknowledged_envelope_is_delivered_again_until_slack_gives_up() {
        let (fake, socket) = started().await;
        socket.set_ack_window(Duration::from_millis(300));
        let (mut client, _) = connect(&fake).await;
        socket.wait_for_live(1, WAIT).await;
        let id = socket.send(
            "events_api",
            json!({ "type": "event_callback", "event_id": "Ev1" }),
        );
        let first = next_json(&mut client).await.expect("envelope");
        assert_eq!(first["retry_attempt"], 0);
        let again = next_json(&mut client).await.expect("retry");
        assert_eq!(again["envelope_id"], id.as_str());
        assert_eq!(again["retry_attempt"], 1);
        assert_eq!(again["retry_reason"], "timeout");
        ack(&mut client, json!({ "envelope_id": id })).await;
        assert_eq!(
            socket.outcome(&id).await,
            Outcome::Acked {
                payload: None,
                attempt: 1
            }
        );
        assert_eq!(socket.deliveries(&id), 2);
        socket.assert_no_refusals();

        // Never acknowledged: delivered MAX_RETRIES more times, then given up; an
        // acknowledgement after that is refused as late.
        let ignored = socket.send(
            "events_api",
            json!({ "type": "event_callback", "event_id": "Ev2" }),
        );
        for attempt in 0..=MAX_RETRIES {
            let delivered = next_json(&mut client).await.expect("delivery");
            assert_eq!(delivered["envelope_id"], ignored.as_str());
            assert_eq!(delivered["retry_attempt"], attempt);
        }
        assert_eq!(socket.outcome(&ignored).await, Outcome::NotAcked);
        assert_eq!(socket.deliveries(&ignored), MAX_RETRIES + 1);
        ack(&mut client, json!({ "envelope_id": ignored })).await;
        let refused = socket
            .wait_until(WAIT, || {
                socket
                    .refusals()
                    .into_iter()
                    .find(|r| r.contains("acknowledged after"))
            })
            .await;
        assert!(refused.is_some(), "{:?}", socket.refusals());
        assert_eq!(socket.refusals().len(), 1);
    }

    #[tokio::test]
    async fn r_ops_1_a_dropped_connection_ends_without_a_close_and_unacked_envelopes_move_on() {
        let (fake, socket) = started().await;
        socket.set_ack_window(Duration::from_millis(300));
        let (mut first, _) = connect(&fake).await;
        let first_id = socket.wait_for_live(1, WAIT).await[0];
        socket.send_disconnect(first_id, "refresh_requested");
        let notice = next_json(&mut first).await.expect("disconnect");
        assert_eq!(notice["type"], "disconnect");
        assert_eq!(notice["reason"], "refresh_requested");
        socket.drop_after_next_envelope();
        let id = socket.send(
            "events_api",
            json!({ "type": "event_callback", "event_id": "Ev1" }),
        );
        assert_eq!(
            next_json(&mut first).await.expect("envelope")["envelope_id"],
            id.as_str()
        );
        // The connection then ends with no closing handshake.
        match tokio::time::timeout(WAIT, first.next())
            .await
            .expect("ended")
        {
            None | Some(Err(_)) => {}
            Some(Ok(other)) => panic!("{other:?} after the drop"),
        }
        assert!(socket.log().contains(&Event::Dropped(first_id)));
        // Delivered again on the next connection.
        let (mut second, _) = connect(&fake).await;
        let again = next_json(&mut second).await.expect("retry");
        assert_eq!(again["envelope_id"], id.as_str());
        assert_eq!(again["retry_attempt"], 1);
        ack(&mut second, json!({ "envelope_id": id })).await;
        assert_eq!(
            socket.outcome(&id).await,
            Outcome::Acked {
                payload: None,
                attempt: 1
            }
        );
        // A clean close is told apart from a drop.
        second.close(None).await.expect("close");
        let second_id = socket
            .log()
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::Greeted(id) => Some(*id),
                _ => None,
            })
            .expect("greeted");
        socket
            .wait_until(WAIT, || {
                socket
                    .log()
                    .contains(&Event::ClosedByClient(second_id))
                    .then_some(())
            })
            .await
            .expect("closed by the client");
        socket.assert_no_refusals();
    }
}

/// R-LET-4: Slack previews a file named `.pdf` as a PDF, so the fake refuses one whose bytes
/// are not a readable PDF (`not_a_pdf`), and reads a real one back: its text and type sizes.
#[tokio::test]
async fn r_let_4_a_pdf_upload_must_be_a_pdf_and_is_read_back() {
    let fake = FakeSlack::start().await;
    let url_for = |filename: &str, length: usize| {
        let url = format!(
            "{}/files.getUploadURLExternal?filename={filename}&length={length}",
            fake.api_url()
        );
        async move {
            let answer = json_of(
                http()
                    .get(url)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .send()
                    .await
                    .expect("send files.getUploadURLExternal"),
            )
            .await;
            answer["upload_url"]
                .as_str()
                .expect("upload_url")
                .to_owned()
        }
    };
    let html = b"<html><body>Dear Jane</body></html>".to_vec();
    let refused = http()
        .post(url_for("warning.pdf", html.len()).await)
        .body(html.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(refused.status(), 400);
    assert!(fake
        .refusals()
        .iter()
        .any(|r| r.method == "upload" && r.error == "not_a_pdf"));
    // The same bytes under another name are not a PDF upload: accepted as text.
    let accepted = http()
        .post(url_for("warning.html", html.len()).await)
        .body(html)
        .send()
        .await
        .expect("upload");
    assert_eq!(accepted.status(), 200);

    let letters = contact_policy_bot::letters::Letters::embedded().expect("templates");
    let letter = letters
        .render(
            contact_policy_bot::letters::LetterKind::Warning,
            contact_policy_bot::letters::LetterFormat::LargePrint,
            contact_policy_bot::domain::person::Language::Cy,
            &contact_policy_bot::letters::sample_context(None),
        )
        .expect("renders");
    let ok = http()
        .post(url_for("warning.pdf", letter.pdf.len()).await)
        .body(letter.pdf.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(ok.status(), 200);
    let uploads = fake.wait_for_calls("upload", 3, WAIT).await;
    let read = &uploads[2].body;
    assert_eq!(read["declared_filename"], "warning.pdf");
    assert!(
        read["pdf_text"]
            .as_str()
            .unwrap_or_default()
            .contains("Annwyl Sample Person,"),
        "{read}"
    );
    assert!(read["pdf_sizes"]
        .as_array()
        .expect("sizes")
        .iter()
        .any(|s| s.as_f64() == Some(18.0)));
    assert_eq!(
        fake.wait_for_pdf("Sample Signatory", WAIT).await,
        read["pdf_text"].as_str().unwrap_or_default()
    );
}
