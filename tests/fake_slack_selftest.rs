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
    assert_eq!(first["ts"], "1700000000.000100");
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
        .json(&json!({"trigger_id": "123.456", "view": {"type": "modal"}}))
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
            json!({"trigger_id": "1", "view": {"type": "modal"}}),
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
                "trigger.1".into(),
                modal.clone(),
            ))
            .await
            .expect("views.open");
        let view_id = opened.view.state_params.id.clone();
        assert!(view_id.value().starts_with('V'));
        assert_eq!(opened.view.view, modal);

        let updated = session
            .views_update(
                &SlackApiViewsUpdateRequest::new(modal.clone()).with_view_id(view_id.clone()),
            )
            .await
            .expect("views.update");
        assert_eq!(updated.view.state_params.id, view_id);
        session
            .views_push(&SlackApiViewsPushRequest::new("trigger.2".into(), modal))
            .await
            .expect("views.push");
        session
            .views_publish(&SlackApiViewsPublishRequest::new(
                "U1".into(),
                SlackView::Home(SlackHomeView::new(vec![])),
            ))
            .await
            .expect("views.publish");

        let user = session
            .users_info(&SlackApiUsersInfoRequest::new("U5".into()))
            .await
            .expect("users.info");
        assert_eq!(user.user.id, "U5".into());
        assert_eq!(user.user.tz.as_deref(), Some("Europe/London"));

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
