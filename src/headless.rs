//! The `chat` and `teams` subcommands' arguments turned into the library's options and actions.

use crate::cli::{
    ChatArgs, ChatCommand, ConnectionArgs, FaultsArgs, FaultsCommand, OnOff, TeamsArgs,
    TeamsCommand,
};
use crate::default_display_name;
use acs_interop::commands::teams::TeamsAction;

pub(crate) fn chat_options(
    connection: ConnectionArgs,
    console_user_id: Option<String>,
    args: ChatArgs,
    utc_offset_s: i32,
) -> acs_interop::commands::chat::ChatOptions {
    use acs_interop::commands::chat::ChatAction;
    let display_name = match &args.action {
        ChatCommand::Send {
            name: Some(name), ..
        } => name.clone(),
        _ => default_display_name(),
    };
    let action = match args.action {
        ChatCommand::Threads => ChatAction::Threads,
        ChatCommand::Show { thread, messages } => ChatAction::Show { thread, messages },
        ChatCommand::Messages {
            thread,
            limit,
            all,
            since,
        } => ChatAction::Messages {
            thread,
            limit,
            all,
            since,
        },
        ChatCommand::Participants { thread } => ChatAction::Participants { thread },
        ChatCommand::Receipts { thread } => ChatAction::Receipts { thread },
        ChatCommand::Send {
            thread,
            text,
            html,
            name: _,
        } => ChatAction::Send { thread, text, html },
        ChatCommand::Watch { thread, poll } => ChatAction::Watch {
            thread,
            poll_secs: poll,
        },
    };
    acs_interop::commands::chat::ChatOptions {
        connection_string: connection.connection_string,
        ca_cert: connection.ca_cert,
        data_dir: connection.data_dir,
        // `acs-interop --user-id X chat ...` means the same as after `chat`.
        user_id: args.user_id.or(console_user_id),
        act: args.act,
        json: connection.json,
        utc: args.utc,
        utc_offset_s,
        display_name,
        har: args.har,
        action,
    }
}

pub(crate) async fn run_teams(connection: ConnectionArgs, args: TeamsArgs) -> anyhow::Result<()> {
    let reached = reach(&connection).await?;
    let action = match args.action {
        TeamsCommand::Users => TeamsAction::Users,
        TeamsCommand::User { who } => TeamsAction::User { who },
        TeamsCommand::Federation {
            enable,
            allow,
            disallow,
        } => TeamsAction::Federation {
            enable,
            allow,
            disallow,
        },
        TeamsCommand::Policies => TeamsAction::Policies,
        TeamsCommand::NewPolicy { identity, acs } => TeamsAction::NewPolicy {
            identity,
            acs_access: acs,
        },
        TeamsCommand::SetPolicy { identity, acs } => TeamsAction::SetPolicy {
            identity,
            acs_access: acs,
        },
        TeamsCommand::Grant { who, policy } => TeamsAction::Grant {
            who,
            policy: (!policy.eq_ignore_ascii_case("global")).then_some(policy),
        },
        TeamsCommand::Say {
            who,
            thread_id,
            text,
            html,
            image,
            file,
        } => TeamsAction::Say {
            who,
            thread_id,
            text,
            html,
            images: image,
            files: file,
        },
        TeamsCommand::Type { who, thread_id } => TeamsAction::Type { who, thread_id },
        TeamsCommand::Edit {
            who,
            thread_id,
            message_id,
            text,
        } => TeamsAction::Edit {
            who,
            thread_id,
            message_id,
            text,
        },
        TeamsCommand::Leave { who, thread_id } => TeamsAction::Leave { who, thread_id },
        TeamsCommand::Calls => TeamsAction::Calls,
        TeamsCommand::Record { who, action } => TeamsAction::CallAction {
            who,
            action: "recording",
            body: serde_json::json!({"active": action == OnOff::Start}),
        },
        TeamsCommand::Transcribe { who, action } => TeamsAction::CallAction {
            who,
            action: "transcription",
            body: serde_json::json!({"active": action == OnOff::Start}),
        },
        TeamsCommand::Hold { who, action } => TeamsAction::CallAction {
            who,
            action: "hold",
            body: serde_json::json!({"onHold": action == OnOff::Start}),
        },
        TeamsCommand::Hangup { who } => TeamsAction::CallAction {
            who,
            action: "hangup",
            body: serde_json::json!({}),
        },
        TeamsCommand::Transfer { who, target } => TeamsAction::CallAction {
            who,
            action: "transfer",
            body: serde_json::json!({"target": target}),
        },
        TeamsCommand::Forward { who, target } => TeamsAction::CallAction {
            who,
            action: "forward",
            body: serde_json::json!({"target": target}),
        },
        TeamsCommand::Call { who, target } => TeamsAction::StartCall { who, target },
    };
    let result = acs_interop::commands::teams::run(
        &reached.connection,
        reached.ca_cert.clone(),
        connection.json,
        action,
    )
    .await;
    reached.close().await;
    result
}

pub(crate) async fn run_faults(connection: ConnectionArgs, args: FaultsArgs) -> anyhow::Result<()> {
    use acs_interop::commands::faults::FaultsAction;
    let reached = reach(&connection).await?;
    let action = match args.action.unwrap_or(FaultsCommand::Show) {
        FaultsCommand::Show => FaultsAction::Show,
        FaultsCommand::Set { spec } => FaultsAction::Set { spec },
        FaultsCommand::Clear => FaultsAction::Clear,
    };
    let result = acs_interop::commands::faults::run(
        &reached.connection,
        reached.ca_cert.clone(),
        connection.json,
        action,
    )
    .await;
    reached.close().await;
    result
}

/// The emulator or service that `--connection-string`, `--ca-cert` and `--data-dir` name.
async fn reach(
    connection: &ConnectionArgs,
) -> Result<acs_interop::commands::endpoint::Reached, acs_interop::commands::endpoint::ReachError> {
    use acs_interop::commands::endpoint::ReachOptions;
    acs_interop::commands::endpoint::reach(&ReachOptions {
        connection_string: connection.connection_string.clone(),
        ca_cert: connection.ca_cert.clone(),
        data_dir: connection.data_dir.clone(),
    })
    .await
}
