"""What the SDK scenarios share: the endpoint they run against, client settings, and step output.

Environment:
  ACS_CONNECTION_STRING  endpoint=https://127.0.0.1:PORT/;accesskey=...
  ACS_CA_CERT            PEM file of the CA that signs the endpoint's TLS certificate
"""

import os
import sys


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"environment variable {name} is required")
    return value


CONNECTION_STRING = env("ACS_CONNECTION_STRING")
CA_CERT = env("ACS_CA_CERT")

# Passed to every SDK client. connection_verify trusts the emulator's CA. With no
# retries a server error surfaces as the response it was, not as a later retry's
# outcome; the timeouts keep a hung server from stalling the run for minutes.
CLIENT_KWARGS = {
    "connection_verify": CA_CERT,
    "retry_total": 0,
    "connection_timeout": 10,
    "read_timeout": 30,
}


def connection_string_part(name):
    for part in CONNECTION_STRING.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip()
    raise ValueError(f"connection string has no {name}")


# With a trailing slash, as the emulator prints it.
ENDPOINT = connection_string_part("endpoint").rstrip("/") + "/"


def ok(step):
    print(f"ok: {step}", flush=True)


def drain(paged):
    """Force a lazy ItemPaged to make its requests."""
    return list(paged)
