"""Conformance scenario: the official ACS Python SDKs against an ACS endpoint.

Uses azure-communication-identity 1.5.0 and azure-communication-chat 1.3.0.

Environment:
  ACS_CONNECTION_STRING  endpoint=https://127.0.0.1:PORT/;accesskey=...
  ACS_CA_CERT            PEM file of the CA that signs the endpoint's TLS certificate

Prints `ok: <step>` per step; the first failure ends the run with a traceback
and a non-zero exit status.
"""

import base64
import json
import re
import sys
import traceback
import uuid
from datetime import datetime, timedelta, timezone

from azure.core.exceptions import HttpResponseError
from azure.communication.identity import CommunicationIdentityClient
from azure.communication.chat import (
    ChatClient,
    ChatMessageType,
    ChatParticipant,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)

UNKNOWN_THREAD_ID = "19:00000000000000000000000000000000@thread.v2"


from scenario import CLIENT_KWARGS, CONNECTION_STRING, ENDPOINT, drain, ok  # noqa: E402  (shared set-up)


# ---------------------------------------------------------------- helpers


def expect_error(status, code, call, what):
    """Run `call`, which must fail with HttpResponseError `status`.

    `code` is the expected `error.code` of the JSON error body.
    """
    try:
        result = call()
    except HttpResponseError as err:
        assert err.status_code == status, (
            f"{what}: expected HTTP {status}, got {err.status_code}: {err}"
        )
        assert err.error is not None and err.error.code == code, (
            f"{what}: expected an error body {{'error': {{'code': '{code}', ...}}}}, "
            f"got {err.response.text() if err.response is not None else None!r}"
        )
        return err
    raise AssertionError(f"{what}: expected HTTP {status}, but the call succeeded with {result!r}")


def parse_datetime(text):
    """Parse an ISO 8601 date-time such as 2026-01-02T03:04:05.1234567+00:00 or ...Z."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert match, f"expected an ISO 8601 date-time with a UTC offset, got {text!r}"
    base, fraction, offset = match.groups()
    # Older Pythons' fromisoformat accept neither 'Z' nor more than 6 fraction digits.
    fraction = (fraction or "0")[:6].ljust(6, "0")
    offset = "+00:00" if offset == "Z" else offset
    return datetime.fromisoformat(f"{base}.{fraction}{offset}")


def expires_at(access_token):
    # The identity SDK returns `expires_on` as the service's `expiresOn` string, unparsed,
    # although AccessToken documents an int.
    value = access_token.expires_on
    if isinstance(value, str):
        return parse_datetime(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(value, timezone.utc)


def assert_expires_in(access_token, expected, what, slack=timedelta(minutes=5)):
    remaining = expires_at(access_token) - datetime.now(timezone.utc)
    assert abs(remaining - expected) <= slack, (
        f"{what}: expected the token to expire in about {expected}, it expires in {remaining}"
    )


def jwt_payload(token):
    # Standard base64, as the chat SDK's CommunicationTokenCredential decodes it.
    return json.loads(base64.b64decode(token.split(".")[1] + "=="))


def raw_id(identifier):
    return identifier.raw_id


def chat_client(token):
    return ChatClient(ENDPOINT, CommunicationTokenCredential(token), **CLIENT_KWARGS)


def thread_client(token, thread_id):
    # get_chat_thread_client does not inherit the ChatClient's transport options:
    # it builds a new pipeline from its own kwargs, so they are passed again.
    return chat_client(token).get_chat_thread_client(thread_id, **CLIENT_KWARGS)


class User:
    def __init__(self, identity, name):
        self.identifier, access = identity.create_user_and_token(["chat"])
        self.token = access.token
        self.name = name
        self.id = self.identifier.properties["id"]

    def participant(self):
        return ChatParticipant(
            identifier=CommunicationUserIdentifier(self.id),
            display_name=self.name,
        )


# ---------------------------------------------------------------- identity


def check_identity(identity):
    user = identity.create_user()
    user_id = user.properties["id"]
    assert user_id.startswith("8:acs:"), f"create_user: expected an id starting '8:acs:', got {user_id!r}"
    assert user.raw_id == user_id, f"create_user: expected raw_id == id, got {user.raw_id!r} != {user_id!r}"
    ok("create_user")

    user2, token = identity.create_user_and_token(["chat", "voip"])
    assert user2.properties["id"].startswith("8:acs:"), (
        f"create_user_and_token: expected an ACS user id, got {user2.properties['id']!r}"
    )
    assert user2.properties["id"] != user_id, "create_user_and_token: expected a new user id"
    assert token.token.count(".") == 2, "create_user_and_token: expected a JWT (three dot-separated parts)"
    # Parses with the chat SDK's own decoder (standard base64, not base64url).
    CommunicationTokenCredential(token.token)
    payload = jwt_payload(token.token)
    assert "exp" in payload, f"create_user_and_token: expected an 'exp' claim, got claims {sorted(payload)}"
    assert_expires_in(token, timedelta(hours=24), "create_user_and_token default lifetime")
    ok("create_user_and_token(chat, voip)")

    token = identity.get_token(user, ["chat"])
    CommunicationTokenCredential(token.token)
    assert_expires_in(token, timedelta(hours=24), "get_token default lifetime")
    ok("get_token")

    token = identity.get_token(user, ["chat"], token_expires_in=timedelta(hours=1))
    assert_expires_in(token, timedelta(hours=1), "get_token(token_expires_in=1h)")
    assert abs(jwt_payload(token.token)["exp"] - expires_at(token).timestamp()) <= 1, (
        "get_token: expected the JWT 'exp' claim to match expiresOn"
    )
    ok("get_token(token_expires_in=1h)")

    # Revocation: the token works, is revoked, then fails; a token issued afterwards works.
    victim, access = identity.create_user_and_token(["chat"])
    drain(chat_client(access.token).list_chat_threads())
    identity.revoke_tokens(victim)
    expect_error(401, "Unauthorized", lambda: drain(chat_client(access.token).list_chat_threads()),
                 "chat call with a revoked token")
    fresh = identity.get_token(victim, ["chat"])
    drain(chat_client(fresh.token).list_chat_threads())
    ok("revoke_tokens")

    doomed, access = identity.create_user_and_token(["chat"])
    identity.delete_user(doomed)
    expect_error(401, "Unauthorized", lambda: drain(chat_client(access.token).list_chat_threads()),
                 "chat call with the token of a deleted user")
    identity.delete_user(user)
    ok("delete_user")


# ---------------------------------------------------------------- threads


def check_create_thread(alice, bob):
    client = chat_client(alice.token)
    key = str(uuid.uuid4())
    first = client.create_chat_thread(
        "Conformance", thread_participants=[alice.participant(), bob.participant()], idempotency_token=key
    )
    thread = first.chat_thread
    assert thread.id.startswith("19:") and thread.id.endswith("@thread.v2"), (
        f"create_chat_thread: expected an id like '19:...@thread.v2', got {thread.id!r}"
    )
    assert thread.topic == "Conformance", f"create_chat_thread: expected topic 'Conformance', got {thread.topic!r}"
    assert thread.created_by is not None and raw_id(thread.created_by) == alice.id, (
        f"create_chat_thread: expected created_by {alice.id!r}, got {thread.created_by!r}"
    )
    assert not first.errors, f"create_chat_thread: expected no invalid participants, got {first.errors!r}"
    ok("create_chat_thread with participants")

    again = client.create_chat_thread(
        "Conformance", thread_participants=[alice.participant(), bob.participant()], idempotency_token=key
    )
    assert again.chat_thread.id == thread.id, (
        f"create_chat_thread: expected the same idempotency_token to return thread {thread.id!r}, "
        f"got {again.chat_thread.id!r}"
    )
    other = client.create_chat_thread(
        "Conformance", thread_participants=[alice.participant()], idempotency_token=str(uuid.uuid4())
    )
    assert other.chat_thread.id != thread.id, (
        "create_chat_thread: expected a different idempotency_token to create a new thread"
    )
    client.delete_chat_thread(other.chat_thread.id)
    ok("create_chat_thread idempotency")

    listed = [item.id for item in chat_client(bob.token).list_chat_threads()]
    assert thread.id in listed, f"list_chat_threads: expected bob to see {thread.id!r}, got {listed!r}"
    ok("list_chat_threads")
    return thread.id


def check_properties(alice, thread_id):
    props = thread_client(alice.token, thread_id).get_properties()
    assert props.id == thread_id, f"get_properties: expected id {thread_id!r}, got {props.id!r}"
    assert props.topic == "Conformance", f"get_properties: expected topic 'Conformance', got {props.topic!r}"
    assert props.created_on is not None, "get_properties: expected created_on to be set"
    ok("get_properties")


# ---------------------------------------------------------------- messages


def check_messages(alice, bob, thread_id):
    a = thread_client(alice.token, thread_id)
    b = thread_client(bob.token, thread_id)

    text_id = a.send_message(
        "hello bob", sender_display_name=alice.name, metadata={"clientMessageId": "m-1", "tag": "text"}
    ).id
    html_id = a.send_message(
        "<p>hello <b>bob</b></p>", chat_message_type=ChatMessageType.HTML, sender_display_name=alice.name,
        metadata={"clientMessageId": "m-2"},
    ).id
    sent = [text_id, html_id]
    for n in range(3):
        sent.append(b.send_message(f"reply {n}", sender_display_name=bob.name).id)
    assert len(set(sent)) == len(sent), f"send_message: expected distinct message ids, got {sent!r}"
    ok("send_message (text, html, metadata)")

    text = b.get_message(text_id)
    assert text.id == text_id, f"get_message: expected id {text_id!r}, got {text.id!r}"
    assert text.type == ChatMessageType.TEXT, f"get_message: expected type text, got {text.type!r}"
    assert text.content.message == "hello bob", f"get_message: expected content 'hello bob', got {text.content.message!r}"
    assert text.metadata == {"clientMessageId": "m-1", "tag": "text"}, (
        f"get_message: expected the metadata sent, got {text.metadata!r}"
    )
    assert text.sender is not None and raw_id(text.sender) == alice.id, (
        f"get_message: expected sender {alice.id!r}, got {text.sender!r}"
    )
    assert text.sender_display_name == alice.name, (
        f"get_message: expected sender_display_name {alice.name!r}, got {text.sender_display_name!r}"
    )
    assert text.created_on is not None and text.version and text.sequence_id, (
        "get_message: expected created_on, version and sequence_id to be set"
    )
    assert text.edited_on is None and text.deleted_on is None, (
        "get_message: expected a fresh message to have no edited_on or deleted_on"
    )
    html = b.get_message(html_id)
    assert html.type == ChatMessageType.HTML, f"get_message: expected type html, got {html.type!r}"
    assert html.content.message == "<p>hello <b>bob</b></p>", (
        f"get_message: expected the html content unchanged, got {html.content.message!r}"
    )
    ok("get_message")

    check_paging(b, sent)

    a.update_message(text_id, content="hello bob (edited)")
    edited = b.get_message(text_id)
    assert edited.content.message == "hello bob (edited)", (
        f"update_message: expected the new content, got {edited.content.message!r}"
    )
    assert edited.edited_on is not None, "update_message: expected edited_on to be set"
    assert edited.version != text.version, (
        f"update_message: expected a new version, still {edited.version!r}"
    )
    ok("update_message")

    deleted_id = sent[-1]
    b.delete_message(deleted_id)
    gone = a.get_message(deleted_id)
    assert gone.deleted_on is not None, "delete_message: expected get_message to show deleted_on"
    listed = {m.id: m for m in a.list_messages()}
    assert deleted_id in listed, "delete_message: expected the deleted message to stay in list_messages"
    assert listed[deleted_id].deleted_on is not None, "delete_message: expected deleted_on in list_messages"
    ok("delete_message")
    return text_id


def check_paging(client, sent):
    pages = [list(page) for page in client.list_messages(results_per_page=2).by_page()]
    assert len(pages) > 1, f"list_messages(results_per_page=2): expected several pages, got {len(pages)}"
    sizes = [len(page) for page in pages]
    assert all(size <= 2 for size in sizes), f"list_messages: expected at most 2 per page, got sizes {sizes}"
    messages = [m for page in pages for m in page]

    ids = [m.id for m in messages]
    assert len(ids) == len(set(ids)), f"list_messages: expected no message twice across pages, got {ids!r}"
    ours = [i for i in ids if i in sent]
    assert ours == list(reversed(sent)), (
        f"list_messages: expected all sent messages newest first {list(reversed(sent))!r}, got {ours!r}"
    )
    sequence = [int(m.sequence_id) for m in messages]
    assert sequence == sorted(sequence, reverse=True) and len(set(sequence)) == len(sequence), (
        f"list_messages: expected strictly decreasing sequence ids (newest first), got {sequence}"
    )
    created = [m.created_on for m in messages]
    assert created == sorted(created, reverse=True), "list_messages: expected created_on newest first"
    ok(f"list_messages paged by 2 ({len(pages)} pages, {len(messages)} messages)")


# ---------------------------------------------------------------- topic


def check_topic(alice, bob, thread_id):
    a = thread_client(alice.token, thread_id)
    a.update_topic("Renamed")
    topic = thread_client(bob.token, thread_id).get_properties().topic
    assert topic == "Renamed", f"update_topic: expected get_properties to show 'Renamed', got {topic!r}"
    updates = [m for m in a.list_messages() if m.type == ChatMessageType.TOPIC_UPDATED]
    assert updates, "update_topic: expected a topicUpdated system message in list_messages"
    latest = updates[0]
    assert latest.content.topic == "Renamed", (
        f"update_topic: expected the topicUpdated message to carry 'Renamed', got {latest.content.topic!r}"
    )
    assert latest.content.initiator is not None and raw_id(latest.content.initiator) == alice.id, (
        f"update_topic: expected initiator {alice.id!r}, got {latest.content.initiator!r}"
    )
    ok("update_topic (+ topicUpdated message)")


# ---------------------------------------------------------------- participants


def check_participants(alice, bob, carol, thread_id):
    a = thread_client(alice.token, thread_id)
    names = {raw_id(p.identifier): p.display_name for p in a.list_participants()}
    assert names == {alice.id: alice.name, bob.id: bob.name}, (
        f"list_participants: expected alice and bob with their display names, got {names!r}"
    )
    ok("list_participants")

    failures = a.add_participants([carol.participant()])
    assert failures == [], f"add_participants: expected no failures for a valid user, got {failures!r}"
    names = {raw_id(p.identifier): p.display_name for p in a.list_participants()}
    assert names.get(carol.id) == carol.name, f"add_participants: expected carol in the thread, got {names!r}"
    added = [m for m in a.list_messages() if m.type == ChatMessageType.PARTICIPANT_ADDED]
    assert any(carol.id in [raw_id(p.identifier) for p in m.content.participants] for m in added), (
        "add_participants: expected a participantAdded system message naming carol"
    )
    c = thread_client(carol.token, thread_id)
    drain(c.list_messages())
    ok("add_participants")

    a.remove_participant(CommunicationUserIdentifier(carol.id))
    ids = [raw_id(p.identifier) for p in a.list_participants()]
    assert carol.id not in ids, f"remove_participant: expected carol gone, got {ids!r}"
    expect_error(403, "Forbidden", lambda: drain(c.list_messages()), "list_messages by a removed participant")
    ok("remove_participant (removed user gets 403)")


# ---------------------------------------------------------------- typing and receipts


def check_typing_and_receipts(alice, bob, thread_id, message_id):
    b = thread_client(bob.token, thread_id)
    b.send_typing_notification(sender_display_name=bob.name)
    ok("send_typing_notification")

    b.send_read_receipt(message_id)
    ok("send_read_receipt")

    receipts = list(thread_client(alice.token, thread_id).list_read_receipts())
    mine = [r for r in receipts if r.sender is not None and raw_id(r.sender) == bob.id]
    assert any(r.chat_message_id == message_id for r in mine), (
        f"list_read_receipts: expected bob's receipt for {message_id!r}, got "
        f"{[(raw_id(r.sender) if r.sender else None, r.chat_message_id) for r in receipts]!r}"
    )
    assert all(r.read_on is not None for r in mine), "list_read_receipts: expected read_on on every receipt"
    ok("list_read_receipts")


# ---------------------------------------------------------------- errors


def tampered_signature(token):
    header, payload, signature = token.split(".")
    # Change the first character: the last one may only carry padding bits.
    first = "A" if signature[0] != "A" else "B"
    return f"{header}.{payload}.{first}{signature[1:]}"


def unsigned_token(user_id):
    """A token with alg "none" claiming to be `user_id`."""

    def encode(claims):
        # Standard base64 so the SDK's own decoder accepts it.
        return base64.b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    now = int(datetime.now(timezone.utc).timestamp())
    claims = {"skypeid": user_id.removeprefix("8:"), "scp": 1792, "acsScope": "chat", "iat": now,
              "exp": now + 3600}
    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(claims)}."


def check_errors(alice, outsider, thread_id):
    o = thread_client(outsider.token, thread_id)
    expect_error(403, "Forbidden", o.get_properties, "get_properties by a user not in the thread")
    expect_error(403, "Forbidden", lambda: drain(o.list_messages()), "list_messages by a user not in the thread")
    expect_error(403, "Forbidden", lambda: o.send_message("let me in"), "send_message by a user not in the thread")
    ok("outsider gets 403")

    expect_error(404, "NotFound", thread_client(alice.token, UNKNOWN_THREAD_ID).get_properties,
                 "get_properties of an unknown thread")
    ok("unknown thread gets 404")

    forged = thread_client(tampered_signature(alice.token), thread_id)
    expect_error(401, "Unauthorized", forged.get_properties, "token with an altered signature")
    unsigned = thread_client(unsigned_token(alice.id), thread_id)
    expect_error(401, "Unauthorized", unsigned.get_properties, "unsigned (alg none) token")
    ok("invalid tokens get 401")


def check_delete_thread(alice, thread_id):
    chat_client(alice.token).delete_chat_thread(thread_id)
    expect_error(404, "NotFound", thread_client(alice.token, thread_id).get_properties,
                 "get_properties of a deleted thread")
    ok("delete_chat_thread (then 404)")


# ---------------------------------------------------------------- main


def main():
    identity = CommunicationIdentityClient.from_connection_string(CONNECTION_STRING, **CLIENT_KWARGS)
    check_identity(identity)

    alice = User(identity, "Alice")
    bob = User(identity, "Bob")
    carol = User(identity, "Carol")
    outsider = User(identity, "Mallory")

    thread_id = check_create_thread(alice, bob)
    check_properties(alice, thread_id)
    message_id = check_messages(alice, bob, thread_id)
    check_topic(alice, bob, thread_id)
    check_participants(alice, bob, carol, thread_id)
    check_typing_and_receipts(alice, bob, thread_id, message_id)
    check_errors(alice, outsider, thread_id)
    check_delete_thread(alice, thread_id)
    print("conformance: all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - any failure ends the run with its traceback
        traceback.print_exc()
        sys.exit(1)
