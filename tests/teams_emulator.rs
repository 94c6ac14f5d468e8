//! The simulated Teams tenant: enforcement of the interop rules, the admin API, what Teams users can and
//! cannot do, attachments, personas, and deleting a thread with Teams users.

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use support::{TestEmulator, participant, thread_path};

const MEGAN: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01";
const ADELE: &str = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e03";

fn teams(object_id: &str) -> String {
    format!("8:orgid:{object_id}")
}

async fn admin(
    e: &TestEmulator,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> support::Response {
    e.identity(method, path, body).await
}

/// Alice (ACS) creates a thread with the given Teams users; returns (alice token, thread, the result).
async fn thread_with(e: &TestEmulator, teams_users: &[&str]) -> (String, String, Value) {
    let alice = e.create_user().await;
    let participants: Vec<Value> = teams_users
        .iter()
        .map(|oid| participant(&teams(oid), ""))
        .collect();
    let created = e
        .post(
            &alice.1,
            "/chat/threads",
            &json!({"topic": "Interop", "participants": participants}),
        )
        .await
        .expect(201)
        .clone();
    let thread = created["chatThread"]["id"].as_str().unwrap().to_string();
    (alice.1, thread, created)
}

#[tokio::test]
async fn the_admin_api_needs_the_access_key_and_speaks_powershell() {
    let e = TestEmulator::start().await;
    let unsigned = e
        .send(Method::GET, "/emulator/teams/users", &[], Vec::new())
        .await;
    unsigned.expect_error(401, "Unauthorized");
    let users = admin(&e, Method::GET, "/emulator/teams/users", None).await;
    let users = users.expect(200).as_array().unwrap().clone();
    assert!(
        users
            .iter()
            .any(|u| u["UserPrincipalName"] == "adele@contoso.example"
                && u["ExternalAccessPolicy"] == "Tag:NoAcsFederation")
    );
    assert!(
        users
            .iter()
            .any(|u| u["TeamsUpgradeEffectiveMode"] == "Islands")
    );
    let fed = admin(
        &e,
        Method::GET,
        "/emulator/teams/federationConfiguration",
        None,
    )
    .await;
    assert_eq!(
        fed.expect(200)["AllowedAcsResources"],
        json!([e.resource_id()])
    );
    let by_upn = admin(
        &e,
        Method::GET,
        "/emulator/teams/users/megan@contoso.example",
        None,
    )
    .await;
    assert_eq!(by_upn.expect(200)["rawId"], teams(MEGAN));
}

#[tokio::test]
async fn a_policy_blocked_or_unknown_teams_user_is_refused_and_the_rest_goes_ahead() {
    let e = TestEmulator::start().await;
    let unknown = "00000000-0000-0000-0000-0000000000ff";
    let (token, thread, created) = thread_with(&e, &[MEGAN, ADELE, unknown]).await;
    let invalid = created["invalidParticipants"]
        .as_array()
        .expect("refusals are listed")
        .clone();
    let adele = invalid
        .iter()
        .find(|i| i["target"] == teams(ADELE))
        .expect("Adele is refused");
    assert_eq!(adele["code"], "403");
    assert_eq!(adele["message"], "Permissions check failed");
    assert!(
        adele["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NoAcsFederation"),
        "{adele}"
    );
    let stranger = invalid
        .iter()
        .find(|i| i["target"] == teams(unknown))
        .expect("the unknown user is refused");
    assert_eq!(stranger["code"], "404");
    let (list, _) = e
        .list_all(&token, &thread_path(&thread, "/participants"))
        .await;
    let ids: Vec<&str> = list
        .iter()
        .map(|p| p["communicationIdentifier"]["rawId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&teams(MEGAN).as_str()) && !ids.contains(&teams(ADELE).as_str()),
        "{ids:?}"
    );
}

#[tokio::test]
async fn granting_a_policy_or_turning_federation_off_changes_who_can_be_added() {
    let e = TestEmulator::start().await;
    let (token, thread, _) = thread_with(&e, &[]).await;
    let add = |oid: &str| json!({"participants": [participant(&teams(oid), "")]});
    let refused = e
        .post(
            &token,
            &thread_path(&thread, "/participants/:add"),
            &add(ADELE),
        )
        .await;
    assert_eq!(refused.expect(201)["invalidParticipants"][0]["code"], "403");

    admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{ADELE}/policy"),
        Some(&json!({"PolicyName": null})),
    )
    .await
    .expect(200);
    let added = e
        .post(
            &token,
            &thread_path(&thread, "/participants/:add"),
            &add(ADELE),
        )
        .await;
    assert!(
        added.expect(201).get("invalidParticipants").is_none(),
        "Global allows ACS federation"
    );

    admin(
        &e,
        Method::PATCH,
        "/emulator/teams/federationConfiguration",
        Some(&json!({"EnableAcsUsers": false})),
    )
    .await
    .expect(200);
    let off = e
        .post(
            &token,
            &thread_path(&thread, "/participants/:add"),
            &add(MEGAN),
        )
        .await;
    let reason = off.expect(201)["invalidParticipants"][0]["details"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("EnableAcsUsers"), "{reason}");
}

#[tokio::test]
async fn new_and_changed_policies_follow_the_cmdlets() {
    let e = TestEmulator::start().await;
    let created = admin(
        &e,
        Method::POST,
        "/emulator/teams/policies",
        Some(&json!({"Identity": "AllowAcs", "EnableAcsFederationAccess": true})),
    )
    .await;
    assert_eq!(created.expect(201)["Identity"], "Tag:AllowAcs");
    let again = admin(
        &e,
        Method::POST,
        "/emulator/teams/policies",
        Some(&json!({"Identity": "Tag:AllowAcs"})),
    )
    .await;
    again.expect_error(409, "PolicyExists");
    admin(
        &e,
        Method::PATCH,
        "/emulator/teams/policies/Global",
        Some(&json!({"EnableAcsFederationAccess": false})),
    )
    .await
    .expect(200);
    let (_, _, created) = thread_with(&e, &[MEGAN]).await;
    assert_eq!(
        created["invalidParticipants"][0]["code"], "403",
        "Global no longer allows Megan"
    );
}

#[tokio::test]
async fn teams_users_cannot_start_chats_edit_or_send_read_receipts() {
    let e = TestEmulator::start().await;
    let (_, thread, _) = thread_with(&e, &[MEGAN]).await;
    let start = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/threads"),
        Some(&json!({})),
    )
    .await;
    assert!(
        start.expect_error(403, "AcsUsersInitiateChats")["message"]
            .as_str()
            .unwrap()
            .contains("initiate")
    );
    let said = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/messages"),
        Some(&json!({"threadId": thread, "content": "hello from Teams", "type": "text"})),
    )
    .await;
    let id = said.expect(201)["id"].as_str().unwrap().to_string();
    let edit = admin(
        &e,
        Method::PATCH,
        &format!("/emulator/teams/users/{MEGAN}/messages/{id}"),
        Some(&json!({"threadId": thread, "content": "edited"})),
    )
    .await;
    edit.expect_error(403, "TeamsUsersCannotEdit");
    let receipt = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/readReceipts"),
        Some(&json!({})),
    )
    .await;
    receipt.expect_error(403, "TeamsUsersSendNoReadReceipts");
    let deleted = admin(
        &e,
        Method::DELETE,
        &format!(
            "/emulator/teams/users/{MEGAN}/messages/{id}?threadId={}",
            support::enc(&thread)
        ),
        None,
    )
    .await;
    deleted.expect(204);
}

#[tokio::test]
async fn a_blocked_teams_user_cannot_act_in_the_tenant_and_the_refusal_names_the_rule() {
    let e = TestEmulator::start().await;
    let (_, thread, _) = thread_with(&e, &[MEGAN]).await;
    admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/policy"),
        Some(&json!({"PolicyName": "Tag:NoAcsFederation"})),
    )
    .await
    .expect(200);
    let said = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/messages"),
        Some(&json!({"threadId": thread, "content": "hi"})),
    )
    .await;
    let body = said.expect_error(403, "InteropDisabled");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("NoAcsFederation"),
        "{body}"
    );
}

#[tokio::test]
async fn images_from_teams_are_attachments_served_to_participants_only() {
    let e = TestEmulator::start().await;
    let (token, thread, _) = thread_with(&e, &[MEGAN]).await;
    admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/messages"),
        Some(&json!({"threadId": thread, "content": "<img id=\"{attachment}\">", "attachments": [{"kind": "image", "name": "board.png"}]})),
    )
    .await
    .expect(201);
    let (messages, _) = e.list_all(&token, &thread_path(&thread, "/messages")).await;
    let sent = messages
        .iter()
        .find(|m| m["type"] == "html")
        .expect("the Teams message");
    let attachment = &sent["content"]["attachments"][0];
    assert_eq!(attachment["attachmentType"], "image");
    assert_eq!(attachment["name"], "board.png");
    let url = attachment["url"].as_str().unwrap().to_string();
    assert!(attachment["previewUrl"].is_string());
    assert!(
        sent["content"]["message"]
            .as_str()
            .unwrap()
            .contains(attachment["id"].as_str().unwrap())
    );

    let served = e
        .send(
            Method::GET,
            &url,
            &[("authorization", &format!("Bearer {token}"))],
            Vec::new(),
        )
        .await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/png");
    let outsider = e.create_user().await;
    let refused = e
        .send(
            Method::GET,
            &url,
            &[("authorization", &format!("Bearer {}", outsider.1))],
            Vec::new(),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(e.send(Method::GET, &url, &[], Vec::new()).await.status, 401);
}

#[tokio::test]
async fn a_persona_types_and_answers_with_an_image_on_request() {
    let e = TestEmulator::start().await;
    let (token, thread, _) = thread_with(&e, &[MEGAN]).await;
    e.send_message(&token, &thread, "could you send the whiteboard image?")
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (messages, _) = e.list_all(&token, &thread_path(&thread, "/messages")).await;
        if let Some(reply) = messages
            .iter()
            .find(|m| m["senderCommunicationIdentifier"]["rawId"] == teams(MEGAN))
        {
            assert_eq!(
                reply["content"]["attachments"][0]["attachmentType"],
                "image"
            );
            assert_eq!(reply["senderDisplayName"], "Megan Bowen");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Megan did not answer: {messages:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn attachment_links_follow_the_emulator_to_its_new_port_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let config = || acs_interop::emulator::EmulatorConfig {
        storage: acs_interop::emulator::Storage::Directory(data.path().to_path_buf()),
        ..support::test_config()
    };
    let first = TestEmulator::start_with(config()).await;
    let (token, thread, _) = thread_with(&first, &[MEGAN]).await;
    admin(
        &first,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/messages"),
        Some(&json!({"threadId": thread, "content": "the agenda", "attachments": [{"kind": "file", "name": "agenda.pdf"}]})),
    )
    .await
    .expect(201);
    let old_address = first.host();
    first.shutdown().await;
    // Holding the old port makes the restarted emulator take another, as the console's embedded one does.
    let _old_port = std::net::TcpListener::bind(&old_address);

    let second = TestEmulator::start_with(config()).await;
    let (messages, _) = second
        .list_all(&token, &thread_path(&thread, "/messages"))
        .await;
    let sent = messages
        .iter()
        .find(|m| m["type"] == "html")
        .expect("the Teams message");
    let attachment = &sent["content"]["attachments"][0];
    let url = attachment["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/emulator/attachments/", second.base())),
        "{url} is not on {}",
        second.base()
    );
    assert!(
        attachment["previewUrl"]
            .as_str()
            .unwrap()
            .starts_with(&second.base())
    );
    let one = second
        .get(
            &token,
            &thread_path(
                &thread,
                &format!("/messages/{}", sent["id"].as_str().unwrap()),
            ),
        )
        .await;
    assert_eq!(one.expect(200)["content"]["attachments"][0]["url"], url);
    let served = second
        .send(
            Method::GET,
            url,
            &[("authorization", &format!("Bearer {token}"))],
            Vec::new(),
        )
        .await;
    assert_eq!(served.status, 200);
}

#[tokio::test]
async fn deleting_a_thread_removes_its_teams_users() {
    let e = TestEmulator::start().await;
    let (token, thread, _) = thread_with(&e, &[MEGAN]).await;
    e.delete(&token, &thread_path(&thread, ""))
        .await
        .expect(204);
    let said = admin(
        &e,
        Method::POST,
        &format!("/emulator/teams/users/{MEGAN}/messages"),
        Some(&json!({"threadId": thread, "content": "still here?"})),
    )
    .await;
    assert!(
        said.status == 404 || said.status == 403,
        "the Teams user can no longer write: {}",
        said.status
    );
}

#[tokio::test]
async fn a_seed_file_defines_the_tenant() {
    let seed = r#"
[tenant]
id = "t"
name = "Fabrikam"
[federation]
enable_acs_users = false
allowed_acs_resources = ["emulator"]
[[policies]]
identity = "Global"
enable_acs_federation_access = true
[[users]]
object_id = "11111111-1111-1111-1111-111111111111"
upn = "pat@fabrikam.example"
display_name = "Pat"
"#;
    let mut config = support::test_config();
    config.tenant = acs_interop::emulator::tenant::TenantSource::Seed {
        name: "fabrikam.toml".into(),
        text: seed.into(),
    };
    let e = TestEmulator::start_with(config).await;
    let users = admin(&e, Method::GET, "/emulator/teams/users", None).await;
    assert_eq!(users.expect(200).as_array().unwrap().len(), 1);
    let (_, _, created) = thread_with(&e, &["11111111-1111-1111-1111-111111111111"]).await;
    assert_eq!(
        created["invalidParticipants"][0]["code"], "403",
        "federation is off in this tenant"
    );
}
