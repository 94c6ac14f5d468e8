//! The client against the in-process emulator (and, for retries and the realtime socket's edge
//! cases, against small stand-in servers).

mod chat;
mod realtime;
mod retries;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use acs_interop::acs::CommunicationIdentifier;
use acs_interop::acs::chat::{
    ChatMessageType, ChatParticipant, SendChatMessageRequest, UpdateChatMessageRequest,
};
use acs_interop::acs::events::ChatEvent;
use acs_interop::client::{
    AccessToken, ChatClient, ClientError, IdentityClient, MessagesQuery, RealtimeOptions,
    RealtimeUpdate, RetryPolicy, TokenSource, build_http_client, spawn_realtime_with,
    tls_client_config,
};
use acs_interop::emulator::{Emulator, EmulatorConfig, Storage};
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

fn config(tls: bool, storage: Storage) -> EmulatorConfig {
    EmulatorConfig {
        listen: ([127, 0, 0, 1], 0).into(),
        tls,
        storage,
        throttle: false,
        strict_api_version: false,
        tenant: acs_interop::emulator::tenant::TenantSource::StoredOrDemo,
        calling: Default::default(),
        durability: Default::default(),
        connections: Default::default(),
        faults: Default::default(),
    }
}

/// An emulator and the clients to reach it.
struct Setup {
    emulator: Emulator,
    http: reqwest::Client,
    identity: IdentityClient,
}

impl Setup {
    async fn start(config: EmulatorConfig) -> Setup {
        let emulator = Emulator::start(config).await.expect("the emulator starts");
        let http = build_http_client(emulator.ca_certificate()).expect("an HTTP client");
        let identity = IdentityClient::new(http.clone(), emulator.connection_string())
            .expect("an identity client");
        Setup {
            emulator,
            http,
            identity,
        }
    }

    /// A new user with a refreshing chat token, and a chat client acting as that user.
    async fn user(&self) -> ChatClient {
        let tokens = TokenSource::create_user(self.identity.clone(), &["chat"])
            .await
            .expect("a user with a token");
        ChatClient::new(self.http.clone(), self.emulator.endpoint(), tokens).expect("a chat client")
    }
}

fn participant(client: &ChatClient, name: &str) -> ChatParticipant {
    ChatParticipant {
        communication_identifier: CommunicationIdentifier::from_raw_id(client.tokens().user_id())
            .to_model(),
        display_name: Some(name.to_string()),
        share_history_time: None,
        metadata: None,
    }
}

fn text(content: &str) -> SendChatMessageRequest {
    SendChatMessageRequest {
        content: content.to_string(),
        sender_display_name: Some("Ada".into()),
        message_type: Some(ChatMessageType::Text),
        metadata: None,
    }
}
