"""Conformance scenario: the official Call Automation Python SDK against an ACS endpoint.

Uses azure-communication-callautomation 1.6.0 (api-version 2026-03-12),
azure-communication-identity 1.5.0 for the ACS source user, and PyJWT to verify
the callbacks' tokens.

Environment:
  ACS_CONNECTION_STRING  endpoint=https://127.0.0.1:PORT/;accesskey=...
  ACS_CA_CERT            PEM file of the CA that signs the endpoint's TLS certificate

The script runs its own plain-http callback server on 127.0.0.1. Every callback
must carry `Authorization: Bearer <RS256 JWT>` that verifies against the
endpoint's published JWKS (issuer from its OpenID configuration, audience = the
resource id from /emulator/health); a callback that does not fails the run.

Prints `ok: <step>` per step; the first failure ends the run with a traceback
and a non-zero exit status.
"""

import base64
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import jwt
import requests
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.messaging import CloudEvent
from azure.communication.identity import CommunicationIdentityClient
from azure.communication.callautomation import (
    CallAutomationClient,
    CommunicationUserIdentifier,
    MicrosoftTeamsAppIdentifier,
    MicrosoftTeamsUserIdentifier,
    TextSource,
)

API_VERSION = "2026-03-12"

# The emulator's demo tenant (object ids of its Teams users).
MEGAN_OID = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e01"  # answers after ringing
MEGAN_UPN = "megan@contoso.example"
ALEX_OID = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e02"  # declines
ADELE_OID = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e03"  # External Access Policy blocks ACS
LEE_OID = "5c1c3a3e-8a9b-4f4e-9d1e-1a2b3c4d5e04"  # Islands mode, not TeamsOnly
HELPDESK_APP_ID = "8a3a1b2c-0d4e-4f5a-9b6c-7d8e9f0a1b2c"  # Teams voice app "Contoso Helpdesk"

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
EVENT_PREFIX = "Microsoft.Communication."
CALLBACK_TOKEN_LIFETIME = 300
# Clock slack for the callback tokens' iat/nbf/exp; both ends share this machine's clock.
JWT_LEEWAY = 5


from scenario import (  # noqa: E402  (shared set-up)
    CA_CERT,
    CLIENT_KWARGS,
    CONNECTION_STRING,
    ENDPOINT,
    connection_string_part,
    drain,
    ok,
)

# The same for the plain requests made with `requests`.
HTTP_TIMEOUT = (10, 30)


ACCESS_KEY = connection_string_part("accesskey")

# Loopback traffic must not go through a proxy from the environment.
HTTP = requests.Session()
HTTP.trust_env = False


# ---------------------------------------------------------------- helpers


def expect_error(status, call, what, error_type=HttpResponseError, message_contains=None):
    """Run `call`, which must fail with an `error_type` of HTTP `status` and a JSON error body.

    `message_contains`, if given, must occur (case-insensitively) in `error.message`.
    """
    try:
        result = call()
    except HttpResponseError as err:
        body = err.response.text() if err.response is not None else None
        assert err.status_code == status, f"{what}: expected HTTP {status}, got {err.status_code}: {body!r}"
        assert isinstance(err, error_type), (
            f"{what}: expected {error_type.__name__}, got {type(err).__name__}: {err}"
        )
        assert err.error is not None and err.error.code and err.error.message, (
            f"{what}: expected an error body {{'error': {{'code': ..., 'message': ...}}}}, got {body!r}"
        )
        if message_contains is not None:
            assert message_contains.lower() in err.error.message.lower(), (
                f"{what}: expected the error message to mention {message_contains!r}, got {err.error.message!r}"
            )
        return err
    raise AssertionError(f"{what}: expected HTTP {status}, but the call succeeded with {result!r}")


def value_of(enum_or_str):
    return getattr(enum_or_str, "value", enum_or_str)


def teams_user_raw_id(oid):
    return f"8:orgid:{oid}"


def teams_app_raw_id(app_id):
    return f"28:orgid:{app_id}"


def normalized(text):
    """Lower case, typographic apostrophes as plain ones: for 'message contains' checks."""
    return (text or "").replace("\u2019", "'").lower()


def get_json(path, what):
    response = HTTP.get(ENDPOINT + path, verify=CA_CERT, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, f"{what}: expected HTTP 200, got {response.status_code}: {response.text!r}"
    try:
        return response.json()
    except ValueError as err:
        raise AssertionError(f"{what}: expected a JSON body, got {response.text!r}") from err


def signed_request(method, path_and_query, body=None):
    """Send an HMAC-SHA256 signed request, as the SDKs sign them, to ENDPOINT + `path_and_query`."""
    content = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    prepared = requests.Request(method, ENDPOINT + path_and_query, data=content, headers=headers).prepare()
    url = urlparse(prepared.url)
    # Sign the path and query exactly as they go on the wire.
    signed_path = url.path + (f"?{url.query}" if url.query else "")
    date = formatdate(usegmt=True)
    content_hash = base64.b64encode(hashlib.sha256(content).digest()).decode()
    string_to_sign = f"{method.upper()}\n{signed_path}\n{date};{url.netloc};{content_hash}"
    signature = base64.b64encode(
        hmac.new(base64.b64decode(ACCESS_KEY), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    ).decode()
    prepared.headers.update({
        "x-ms-date": date,
        "x-ms-content-sha256": content_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}",
    })
    return HTTP.send(prepared, verify=CA_CERT, timeout=HTTP_TIMEOUT)


def teams_side(upn, feature, active):
    """Have the Teams user `upn` turn `feature` (recording, transcription) on or off in their call."""
    path = f"emulator/teams/users/{upn}/call/{feature}?api-version={API_VERSION}"
    response = signed_request("POST", path, {"active": active})
    assert response.status_code == 200, (
        f"POST {path} {{'active': {json.dumps(active)}}}: expected HTTP 200, "
        f"got {response.status_code}: {response.text!r}"
    )


# ---------------------------------------------------------------- callbacks


class Received:
    """One verified callback event, in arrival order."""

    def __init__(self, seq, path, event):
        self.seq = seq
        self.path = path
        self.event = event

    @property
    def type(self):
        return self.event.type.removeprefix(EVENT_PREFIX)

    @property
    def data(self):
        return self.event.data

    @property
    def call_id(self):
        return self.event.data.get("callConnectionId")

    def result(self):
        info = self.data["resultInformation"]
        return info["code"], info["subCode"], info["message"]

    def describe(self):
        return f"#{self.seq} {self.type} {self.data.get('resultInformation')}"


class CallbackVerifier:
    """Checks the callbacks' bearer tokens against the published signing keys."""

    def __init__(self, issuer, audience):
        self.issuer = issuer
        self.audience = audience
        self.keys = {}
        self.refresh()

    def refresh(self):
        document = get_json("calling/keys", "GET calling/keys")
        keys = document.get("keys") if isinstance(document, dict) else None
        assert isinstance(keys, list) and keys, f"GET calling/keys: expected a JWKS with keys, got {document!r}"
        for key in keys:
            for field in ("kty", "kid", "n", "e", "alg", "use"):
                assert key.get(field), f"GET calling/keys: expected every key to have {field!r}, got {key!r}"
            assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig", (
                f"GET calling/keys: expected RSA RS256 signing keys, got {key!r}"
            )
        self.keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(document).keys}

    def verify(self, authorization):
        """Return the claims of a valid `Bearer <jwt>` header value; raise ValueError otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ValueError(f"expected 'Authorization: Bearer <jwt>', got {authorization!r}")
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256":
            raise ValueError(f"expected an RS256 token, got header {header!r}")
        kid = header.get("kid")
        if not kid:
            raise ValueError(f"expected a 'kid' in the token header, got {header!r}")
        if kid not in self.keys:
            self.refresh()  # keys may have rotated since the last fetch
        if kid not in self.keys:
            raise ValueError(f"token kid {kid!r} is not in the JWKS (kids {sorted(self.keys)})")
        claims = jwt.decode(
            token,
            self.keys[kid].key,
            algorithms=["RS256"],
            audience=self.audience,
            issuer=self.issuer,
            leeway=JWT_LEEWAY,
            options={"require": ["exp", "iat", "nbf", "iss", "aud"]},
        )
        if claims["exp"] - claims["iat"] != CALLBACK_TOKEN_LIFETIME:
            raise ValueError(f"expected exp - iat == {CALLBACK_TOKEN_LIFETIME}, got claims {claims!r}")
        return claims


def check_envelope(item):
    """Parse one element of a callback's array; raise ValueError if it is not a Call Automation CloudEvent."""
    if not isinstance(item, dict):
        raise ValueError(f"expected a CloudEvent object, got {item!r}")
    missing = [k for k in ("id", "source", "type", "data", "time", "specversion", "datacontenttype", "subject")
               if not item.get(k)]
    if missing:
        raise ValueError(f"CloudEvent lacks {missing}: {item!r}")
    if item["specversion"] != "1.0" or item["datacontenttype"] != "application/json":
        raise ValueError(f"expected specversion '1.0' and datacontenttype 'application/json': {item!r}")
    event = CloudEvent.from_dict(item)
    if not event.type.startswith(EVENT_PREFIX):
        raise ValueError(f"expected a type starting {EVENT_PREFIX!r}, got {event.type!r}")
    data = event.data
    if not isinstance(data, dict):
        raise ValueError(f"expected the data of {event.type} to be an object, got {data!r}")
    for field in ("callConnectionId", "serverCallId", "correlationId"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise ValueError(f"{event.type}: expected data.{field}, got data {data!r}")
    info = data.get("resultInformation")
    if not (isinstance(info, dict) and isinstance(info.get("code"), int) and isinstance(info.get("subCode"), int)
            and isinstance(info.get("message"), str)):
        raise ValueError(f"{event.type}: expected data.resultInformation {{code, subCode, message}}, got {info!r}")
    # Recording events are sourced from the recording; every other one from its call connection.
    if not event.type.endswith("RecordingStateChanged"):
        expected = f"calling/callConnections/{data['callConnectionId']}"
        if event.source != expected:
            raise ValueError(f"{event.type}: expected source {expected!r}, got {event.source!r}")
    return event


class CallbackServer:
    """A plain-http webhook on 127.0.0.1 that verifies and records Call Automation callbacks."""

    def __init__(self, verifier):
        self.verifier = verifier
        self.cond = threading.Condition()
        self.events = []
        self.consumed = set()
        self.failures = []
        self.verified = 0
        self.calls = {}  # callConnectionId -> the callback path it was created with

        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = self.headers.get("Content-Length")
                body = self.rfile.read(int(length)) if length else b""
                status = hub.accept(self.path, self.headers, body, length is not None)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def url(self, label):
        return f"{self.base_url}/callbacks/{label}"

    def expect_call(self, call_id, label):
        with self.cond:
            self.calls[call_id] = f"/callbacks/{label}"

    def fail(self, problem):
        with self.cond:
            self.failures.append(problem)
            self.cond.notify_all()

    def accept(self, path, headers, body, has_length):
        try:
            self.verifier.verify(headers.get("Authorization"))
        except Exception as err:  # noqa: BLE001 - any verification error is a failed callback
            self.fail(f"POST {path}: callback token rejected: {type(err).__name__}: {err}")
            return 401
        with self.cond:
            self.verified += 1
        try:
            if not has_length:
                raise ValueError("expected a Content-Length header")
            content_type = headers.get("Content-Type", "")
            if content_type.split(";")[0].strip().lower() != "application/json":
                raise ValueError(f"expected Content-Type application/json, got {content_type!r}")
            items = json.loads(body)
            if not isinstance(items, list) or len(items) != 1:
                raise ValueError(f"expected a JSON array of one CloudEvent, got {body[:500]!r}")
            event = check_envelope(items[0])
        except Exception as err:  # noqa: BLE001 - any malformed body is a failed callback
            self.fail(f"POST {path}: {err}")
            return 400
        with self.cond:
            self.events.append(Received(len(self.events) + 1, path, event))
            self.cond.notify_all()
        return 200

    def wait_for(self, call_id, event_type, timeout=20, where=None, fail_on=()):
        """Return the first not-yet-returned `event_type` event of call `call_id` that satisfies `where`.

        Raises at once if a callback failed verification or an event whose type is in `fail_on`
        arrives for the call first; raises after `timeout` seconds with what did arrive.
        """
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if self.failures:
                    raise AssertionError("callback failed verification: " + "; ".join(self.failures))
                for received in self.events:
                    if received.seq in self.consumed or received.call_id != call_id:
                        continue
                    if received.type == event_type and (where is None or where(received.data)):
                        self.consumed.add(received.seq)
                        return received
                    if received.type in fail_on:
                        raise AssertionError(
                            f"call {call_id}: waiting for {event_type}, got {received.describe()}"
                        )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [r.describe() for r in self.events if r.call_id == call_id]
                    raise AssertionError(
                        f"call {call_id}: no {event_type} within {timeout} s; its events so far: {seen}"
                    )
                self.cond.wait(remaining)

    def sequence_numbers(self, call_id):
        """The sequenceNumbers of the call's ParticipantsUpdated events, in delivery order."""
        with self.cond:
            return [r.data.get("sequenceNumber") for r in self.events
                    if r.call_id == call_id and r.type == "ParticipantsUpdated"]

    def max_sequence(self, call_id):
        return max((n for n in self.sequence_numbers(call_id) if isinstance(n, int)), default=0)

    def check_all(self):
        """After the run: every callback verified, belonged to a call we made, on that call's path, in order."""
        with self.cond:
            assert not self.failures, "callback failed verification: " + "; ".join(self.failures)
            assert self.verified > 0, "expected at least one verified callback"
            for received in self.events:
                expected = self.calls.get(received.call_id)
                assert expected is not None, f"callback for a call this run did not create: {received.describe()}"
                assert received.path == expected, (
                    f"call {received.call_id}: expected its callbacks at {expected}, got {received.describe()} "
                    f"at {received.path}"
                )
            for call_id in self.calls:
                numbers = self.sequence_numbers(call_id)
                assert all(isinstance(n, int) and not isinstance(n, bool) for n in numbers), (
                    f"call {call_id}: expected integer ParticipantsUpdated sequenceNumbers, got {numbers}"
                )
                assert numbers == sorted(set(numbers)), (
                    f"call {call_id}: expected ParticipantsUpdated sequenceNumbers to rise in delivery order, "
                    f"got {numbers}"
                )
            return self.verified, len(self.events)


def raw_ids(participants):
    return {p["identifier"]["rawId"] for p in participants}


def participant_entry(data, raw_id):
    for participant in data.get("participants") or []:
        if participant.get("identifier", {}).get("rawId") == raw_id:
            return participant
    return None


def check_result(received, code, sub_code=None, message_contains=None, what=""):
    actual_code, actual_sub, message = received.result()
    label = what or received.type
    assert actual_code == code, f"{label}: expected resultInformation.code {code}, got {received.data['resultInformation']}"
    if sub_code is not None:
        assert actual_sub == sub_code, (
            f"{label}: expected resultInformation.subCode {sub_code}, got {received.data['resultInformation']}"
        )
    if message_contains is not None:
        assert normalized(message_contains) in normalized(message), (
            f"{label}: expected resultInformation.message to contain {message_contains!r}, got {message!r}"
        )


def check_context(received, context):
    assert received.data.get("operationContext") == context, (
        f"{received.type}: expected operationContext {context!r}, got {received.data.get('operationContext')!r}"
    )


# ---------------------------------------------------------------- discovery


def check_discovery():
    health = get_json("emulator/health", "GET emulator/health")
    assert health.get("status") == "ok", f"GET emulator/health: expected status 'ok', got {health!r}"
    resource_id = health.get("resourceId")
    assert isinstance(resource_id, str) and GUID.fullmatch(resource_id), (
        f"GET emulator/health: expected a GUID resourceId, got {health!r}"
    )
    ok("GET emulator/health")

    config = get_json("calling/.well-known/acsopenidconfiguration", "GET calling/.well-known/acsopenidconfiguration")
    issuer = config.get("issuer")
    jwks_uri = config.get("jwks_uri")
    assert isinstance(issuer, str) and issuer, f"OpenID configuration: expected an issuer, got {config!r}"
    assert isinstance(jwks_uri, str) and jwks_uri.endswith("/calling/keys"), (
        f"OpenID configuration: expected a jwks_uri ending /calling/keys, got {config!r}"
    )
    verifier = CallbackVerifier(issuer, resource_id)
    ok(f"OpenID configuration and JWKS ({len(verifier.keys)} key(s), issuer {issuer})")
    return verifier


# ---------------------------------------------------------------- the answered call


def check_create_call(client, direct, hub, source_id):
    megan = MicrosoftTeamsUserIdentifier(MEGAN_OID)
    megan_raw = teams_user_raw_id(MEGAN_OID)
    assert megan.raw_id == megan_raw, f"SDK: expected Megan's raw id {megan_raw!r}, got {megan.raw_id!r}"

    callback = hub.url("megan")
    props = client.create_call(megan, callback, operation_context="call-megan",
                               source_display_name="Conformance")
    call_id = props.call_connection_id
    assert isinstance(call_id, str) and GUID.fullmatch(call_id), (
        f"create_call: expected a GUID call_connection_id, got {call_id!r}"
    )
    hub.expect_call(call_id, "megan")
    assert props.server_call_id, "create_call: expected a server_call_id"
    assert value_of(props.call_connection_state) in ("connecting", "connected"), (
        f"create_call: expected state connecting (or connected), got {props.call_connection_state!r}"
    )
    assert props.callback_url == callback, f"create_call: expected callback_url {callback!r}, got {props.callback_url!r}"
    assert props.source is not None and props.source.raw_id == source_id, (
        f"create_call: expected source {source_id!r}, got {props.source!r}"
    )
    assert megan_raw in [t.raw_id for t in props.targets or []], (
        f"create_call: expected targets to hold {megan_raw!r}, got {[t.raw_id for t in props.targets or []]!r}"
    )
    ok(f"create_call to a Teams user (201, call {call_id})")

    connected = hub.wait_for(call_id, "CallConnected", fail_on=("CreateCallFailed", "CallDisconnected"))
    check_result(connected, 200)
    check_context(connected, "call-megan")
    assert connected.data["serverCallId"] == props.server_call_id, (
        f"CallConnected: expected serverCallId {props.server_call_id!r}, got {connected.data['serverCallId']!r}"
    )
    ok("CallConnected (Megan answered)")

    updated = hub.wait_for(call_id, "ParticipantsUpdated",
                           where=lambda d: {megan_raw, source_id} <= raw_ids(d.get("participants") or []))
    sequence = updated.data.get("sequenceNumber")
    assert isinstance(sequence, int) and not isinstance(sequence, bool), (
        f"ParticipantsUpdated: expected an integer sequenceNumber, got {sequence!r}"
    )
    ok(f"ParticipantsUpdated with Megan and the source (sequenceNumber {sequence})")

    # The constructor form of the client (endpoint + AzureKeyCredential) signs the same way.
    properties = direct.get_call_connection(call_id).get_call_properties()
    assert properties.call_connection_id == call_id, (
        f"get_call_properties: expected call {call_id!r}, got {properties.call_connection_id!r}"
    )
    assert value_of(properties.call_connection_state) == "connected", (
        f"get_call_properties: expected state connected, got {properties.call_connection_state!r}"
    )
    ok("get_call_properties shows connected")
    return call_id


def check_participants(conn, source_id):
    megan_raw = teams_user_raw_id(MEGAN_OID)
    participants = {p.identifier.raw_id: p for p in drain(conn.list_participants())}
    assert {megan_raw, source_id} <= set(participants), (
        f"list_participants: expected {megan_raw!r} and {source_id!r}, got {sorted(participants)!r}"
    )
    megan = participants[megan_raw].identifier
    assert isinstance(megan, MicrosoftTeamsUserIdentifier) and megan.properties["user_id"] == MEGAN_OID, (
        f"list_participants: expected Megan as a MicrosoftTeamsUserIdentifier with user_id {MEGAN_OID!r}, got "
        f"{type(megan).__name__} {getattr(megan, 'properties', None)!r}"
    )
    assert isinstance(participants[source_id].identifier, CommunicationUserIdentifier), (
        f"list_participants: expected the source as a CommunicationUserIdentifier, got "
        f"{type(participants[source_id].identifier).__name__}"
    )
    ok("list_participants")

    participant = conn.get_participant(MicrosoftTeamsUserIdentifier(MEGAN_OID))
    assert participant.identifier is not None and participant.identifier.raw_id == megan_raw, (
        f"get_participant: expected {megan_raw!r}, got {participant.identifier!r}"
    )
    assert participant.is_muted is False, f"get_participant: expected Megan unmuted, got is_muted={participant.is_muted!r}"
    ok("get_participant(Teams user) (raw id percent-encoded in the path)")


def check_no_escalation(conn, hub, call_id, other_id):
    result = conn.add_participant(CommunicationUserIdentifier(other_id), operation_context="escalate")
    assert result.invitation_id, f"add_participant: expected an invitation_id, got {vars(result)!r}"
    assert result.operation_context == "escalate", (
        f"add_participant: expected operation_context 'escalate', got {result.operation_context!r}"
    )
    ok(f"add_participant accepted (202, invitation {result.invitation_id})")

    failed = hub.wait_for(call_id, "AddParticipantFailed", fail_on=("AddParticipantSucceeded",))
    _, _, message = failed.result()
    assert "escalation to a group call isn't supported" in normalized(message), (
        f"AddParticipantFailed: expected the message to say escalation to a group call isn't supported, "
        f"got {message!r}"
    )
    check_context(failed, "escalate")
    added = (failed.data.get("participant") or {}).get("rawId")
    assert added == other_id, f"AddParticipantFailed: expected participant {other_id!r}, got {added!r}"
    ok("AddParticipantFailed: escalation to a group call isn't supported")


def check_mute(conn, hub, call_id, source, source_id):
    expect_error(400, lambda: conn.mute_participant(MicrosoftTeamsUserIdentifier(MEGAN_OID)),
                 "mute_participant(Teams user)")
    ok("mute_participant(Teams user) gets 400")

    before = hub.max_sequence(call_id)
    result = conn.mute_participant(source, operation_context="mute-source")
    assert result.operation_context == "mute-source", (
        f"mute_participant: expected operation_context 'mute-source', got {result.operation_context!r}"
    )

    def source_muted(data):
        entry = participant_entry(data, source_id)
        return entry is not None and entry.get("isMuted") is True

    updated = hub.wait_for(call_id, "ParticipantsUpdated", where=source_muted)
    sequence = updated.data.get("sequenceNumber")
    assert isinstance(sequence, int) and sequence > before, (
        f"ParticipantsUpdated after mute: expected a sequenceNumber above {before}, got {sequence!r}"
    )
    assert conn.get_participant(source).is_muted is True, "get_participant: expected the source muted after mute"
    ok(f"mute_participant(ACS user) then ParticipantsUpdated isMuted (sequenceNumber {before} -> {sequence})")


def check_no_acs_recording(client, call_id):
    expect_error(403, lambda: client.start_recording(call_connection_id=call_id),
                 "start_recording on a 1:1 Teams interop call", message_contains="recording")
    ok("start_recording gets 403 (no ACS recording for 1:1 interop calls)")


def check_play(conn, hub, call_id):
    # play_media with the default play_to="all" sends what the deprecated play_media_to_all sends.
    conn.play_media(TextSource(text="Hello from the conformance test", voice_name="en-US-NancyNeural"),
                    operation_context="greeting")
    started = hub.wait_for(call_id, "PlayStarted", timeout=15, fail_on=("PlayFailed", "PlayCanceled"))
    check_context(started, "greeting")
    completed = hub.wait_for(call_id, "PlayCompleted", timeout=15, fail_on=("PlayFailed", "PlayCanceled"))
    check_context(completed, "greeting")
    check_result(completed, 200)
    assert started.seq < completed.seq, "play: expected PlayStarted to arrive before PlayCompleted"
    ok("play_media(TextSource) to all: PlayStarted then PlayCompleted")


def check_teams_recording(hub, call_id):
    def recording(state):
        return lambda d: d.get("recordingKind") == "teams" and d.get("state") == state

    teams_side(MEGAN_UPN, "recording", True)
    hub.wait_for(call_id, "RecordingStateChanged", where=recording("active"))
    ok("Teams-side recording on: RecordingStateChanged (teams, active)")

    teams_side(MEGAN_UPN, "recording", False)
    hub.wait_for(call_id, "RecordingStateChanged", where=recording("inactive"))
    ok("Teams-side recording off: RecordingStateChanged (teams, inactive)")


def check_teams_transcription(hub, call_id):
    def status(data):
        return (data.get("transcriptionUpdate") or {}).get("transcriptionStatus")

    teams_side(MEGAN_UPN, "transcription", True)
    started = hub.wait_for(call_id, "TranscriptionStarted", fail_on=("TranscriptionFailed",))
    assert status(started.data) == "transcriptionStarted", (
        f"TranscriptionStarted: expected transcriptionUpdate.transcriptionStatus 'transcriptionStarted', "
        f"got {started.data.get('transcriptionUpdate')!r}"
    )
    ok("Teams-side transcription on: TranscriptionStarted")

    teams_side(MEGAN_UPN, "transcription", False)
    stopped = hub.wait_for(call_id, "TranscriptionStopped", fail_on=("TranscriptionFailed",))
    assert status(stopped.data) == "transcriptionStopped", (
        f"TranscriptionStopped: expected transcriptionUpdate.transcriptionStatus 'transcriptionStopped', "
        f"got {stopped.data.get('transcriptionUpdate')!r}"
    )
    ok("Teams-side transcription off: TranscriptionStopped")


def check_hang_up(conn, hub, call_id):
    conn.hang_up(is_for_everyone=False)
    disconnected = hub.wait_for(call_id, "CallDisconnected")
    check_result(disconnected, 200, 7000)
    ok("hang_up: CallDisconnected 200/7000")

    expect_error(404, conn.get_call_properties, "get_call_properties of an ended call",
                 error_type=ResourceNotFoundError)
    ok("get_call_properties of the ended call gets 404")


# ---------------------------------------------------------------- calls that fail


def check_failed_call(client, hub, label, target, code, sub_code=None, message_contains=None):
    """create_call to `target` is accepted (201) and then fails with CreateCallFailed `code`."""
    context = f"call-{label}"
    props = client.create_call(target, hub.url(label), operation_context=context)
    call_id = props.call_connection_id
    assert isinstance(call_id, str) and GUID.fullmatch(call_id), (
        f"create_call to {label}: expected a GUID call_connection_id, got {call_id!r}"
    )
    hub.expect_call(call_id, label)
    failed = hub.wait_for(call_id, "CreateCallFailed", fail_on=("CallConnected",))
    check_result(failed, code, sub_code, message_contains, what=f"CreateCallFailed ({label})")
    check_context(failed, context)
    return failed


def check_policy_failures(client, hub):
    failed = check_failed_call(client, hub, "adele", MicrosoftTeamsUserIdentifier(ADELE_OID), 403, 10124,
                               "EnableAcsFederationAccess")
    ok(f"create_call to a user blocked by External Access Policy: CreateCallFailed 403/10124 "
       f"({failed.result()[2]!r})")

    failed = check_failed_call(client, hub, "lee", MicrosoftTeamsUserIdentifier(LEE_OID), 403,
                               message_contains="TeamsOnly")
    ok(f"create_call to a user not in TeamsOnly mode: CreateCallFailed 403 ({failed.result()[2]!r})")

    check_failed_call(client, hub, "alex", MicrosoftTeamsUserIdentifier(ALEX_OID), 603)
    ok("create_call to a user who declines: CreateCallFailed 603")

    unknown = str(uuid.uuid4())
    props = client.create_call(MicrosoftTeamsUserIdentifier(unknown), hub.url("unknown"),
                               operation_context="call-unknown")
    hub.expect_call(props.call_connection_id, "unknown")
    failed = hub.wait_for(props.call_connection_id, "CreateCallFailed", fail_on=("CallConnected",))
    code, sub_code, _ = failed.result()
    assert code >= 400, f"CreateCallFailed (unknown user): expected an error code, got {failed.data['resultInformation']}"
    ok(f"create_call to an unknown Teams user: CreateCallFailed {code}/{sub_code}")


# ---------------------------------------------------------------- voice app


def check_voice_app(client, hub):
    app = MicrosoftTeamsAppIdentifier(HELPDESK_APP_ID)
    app_raw = teams_app_raw_id(HELPDESK_APP_ID)
    assert app.raw_id == app_raw, f"SDK: expected the app's raw id {app_raw!r}, got {app.raw_id!r}"
    props = client.create_call(app, hub.url("helpdesk"), operation_context="call-helpdesk")
    call_id = props.call_connection_id
    assert isinstance(call_id, str) and GUID.fullmatch(call_id), (
        f"create_call to the voice app: expected a GUID call_connection_id, got {call_id!r}"
    )
    hub.expect_call(call_id, "helpdesk")
    connected = hub.wait_for(call_id, "CallConnected", fail_on=("CreateCallFailed", "CallDisconnected"))
    check_context(connected, "call-helpdesk")
    hub.wait_for(call_id, "ParticipantsUpdated", where=lambda d: app_raw in raw_ids(d.get("participants") or []))
    ok("create_call to a Teams voice app: CallConnected, app in ParticipantsUpdated")

    client.get_call_connection(call_id).hang_up(is_for_everyone=True)
    disconnected = hub.wait_for(call_id, "CallDisconnected")
    check_result(disconnected, 200, 7000)
    ok("hang_up(is_for_everyone=True): CallDisconnected 200/7000")


# ---------------------------------------------------------------- main


def main():
    verifier = check_discovery()
    hub = CallbackServer(verifier)
    try:
        identity = CommunicationIdentityClient.from_connection_string(CONNECTION_STRING, **CLIENT_KWARGS)
        source_id = identity.create_user().properties["id"]
        other_id = identity.create_user().properties["id"]
        assert source_id.startswith("8:acs:") and other_id.startswith("8:acs:"), (
            f"create_user: expected ACS user ids, got {source_id!r} and {other_id!r}"
        )
        source = CommunicationUserIdentifier(source_id)
        client = CallAutomationClient.from_connection_string(CONNECTION_STRING, source=source, **CLIENT_KWARGS)
        # The endpoint without its trailing slash: the SDK signs `host` as the endpoint minus its
        # scheme, so "https://host:port/" would sign "host:port/" and be refused.
        direct = CallAutomationClient(ENDPOINT.rstrip("/"), AzureKeyCredential(ACCESS_KEY), source=source,
                                      **CLIENT_KWARGS)
        ok(f"ACS source user {source_id} and CallAutomationClient(source=...)")

        call_id = check_create_call(client, direct, hub, source_id)
        conn = client.get_call_connection(call_id)
        check_participants(conn, source_id)
        check_no_escalation(conn, hub, call_id, other_id)
        check_mute(conn, hub, call_id, source, source_id)
        check_no_acs_recording(client, call_id)
        check_play(conn, hub, call_id)
        check_teams_recording(hub, call_id)
        check_teams_transcription(hub, call_id)
        check_hang_up(conn, hub, call_id)

        check_policy_failures(client, hub)
        check_voice_app(client, hub)

        verified, events = hub.check_all()
        ok(f"every callback verified ({verified} callbacks, {events} events, {len(hub.calls)} calls)")
    finally:
        hub.close()
    print("callautomation: all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - any failure ends the run with its traceback
        traceback.print_exc()
        sys.exit(1)
