"""The soak test's third sender: the official chat SDK sending into the soak thread until a
deadline, through whatever faults the emulator injects.

Environment (besides ACS_CONNECTION_STRING and ACS_CA_CERT, see scenario.py):
  SOAK_TOKEN    the sender's chat token
  SOAK_THREAD   the thread id
  SOAK_SECONDS  how long to send for
  SOAK_PREFIX   the messages are PREFIX-0, PREFIX-1, ...

Prints one line per message: `ok N ID` when the service acknowledged it, `unsure N ERROR` when
its answer was lost (it may or may not have landed). The SDK retries throttling, 5xx and
connections that could not be made, and so does `send` past the SDK's retries; neither repeats a
send whose answer was lost, so neither can duplicate one.
"""

import os
import sys
import time

from azure.communication.chat import ChatClient, CommunicationTokenCredential
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from scenario import CA_CERT, ENDPOINT, env

TOKEN = env("SOAK_TOKEN")
THREAD = env("SOAK_THREAD")
SECONDS = float(env("SOAK_SECONDS"))
PREFIX = env("SOAK_PREFIX")

RETRIES = {
    "connection_verify": CA_CERT,
    "retry_total": 12,
    "retry_connect": 12,
    "retry_status": 12,
    "retry_read": 0,
    "retry_backoff_factor": 0.2,
    "retry_backoff_max": 2,
    "connection_timeout": 5,
    "read_timeout": 20,
}


def send(thread, content):
    """Sends once, or again while the service said it did not act (a connection never made, a 429
    or 503 past the SDK's own retries), as an app should; a lost answer is not sent again."""
    give_up = time.monotonic() + 60
    while True:
        try:
            return thread.send_message(content, sender_display_name="Python SDK")
        except ServiceRequestError:
            pass
        except HttpResponseError as error:
            if error.status_code not in (429, 503):
                raise
        if time.monotonic() > give_up:
            raise TimeoutError(f"{content} was refused for 60 s")
        time.sleep(0.2)


def main():
    client = ChatClient(ENDPOINT, CommunicationTokenCredential(TOKEN), **RETRIES)
    thread = client.get_chat_thread_client(THREAD, **RETRIES)
    deadline = time.monotonic() + SECONDS
    n = 0
    while time.monotonic() < deadline:
        content = f"{PREFIX}-{n}"
        try:
            result = send(thread, content)
            print(f"ok {n} {result.id}", flush=True)
        except Exception as error:  # every failure is reported; the run goes on
            text = str(error).replace("\n", " ")[:200]
            print(f"unsure {n} {type(error).__name__}: {text}", flush=True)
        n += 1
        time.sleep(0.15)
    print("done", flush=True)


if __name__ == "__main__":
    sys.exit(main())
