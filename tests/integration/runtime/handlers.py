"""Handlers named by tests/integration/runtime/template.yaml; they record what they receive.

Message bodies steer behaviour: `{"poison": true}` always fails as a batch item;
`{"crash_below_receive": n}` raises (failing the whole batch) until delivered n times;
`{"signal": true}` sets `delivered`, for the real-thread test; `{"block": true}` waits until
`release` is set (a long invocation).
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from typing import Any

from walltrack.runtime.queues import queue_port_for

seen: list[dict[str, Any]] = []  # every record delivered: function, id, body, receive count
done: list[str] = []  # message ids processed successfully
events: dict[str, list[Any]] = defaultdict(list)  # function name -> events received
delivered = threading.Event()
release = threading.Event()


def reset() -> None:
    seen.clear()
    done.clear()
    events.clear()
    delivered.clear()
    release.clear()


def work(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    records = event["Records"]
    for record in records:
        seen.append(
            {
                "function": context.function_name,
                "message_id": record["messageId"],
                "body": json.loads(record["body"]),
                "receive_count": int(record["attributes"]["ApproximateReceiveCount"]),
                "record": record,
            }
        )
    for record in records:
        body = json.loads(record["body"])
        receive_count = int(record["attributes"]["ApproximateReceiveCount"])
        if receive_count < body.get("crash_below_receive", 0):
            raise RuntimeError("the whole batch fails")
    for record in records:
        body = json.loads(record["body"])
        if body.get("block"):
            release.wait(timeout=30)
        if body.get("poison"):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        done.append(record["messageId"])
        if body.get("signal"):
            delivered.set()
    return {"batchItemFailures": failures}


def tick(event: dict[str, Any], context: Any) -> None:
    events[context.function_name].append(event)


def webhook(event: dict[str, Any], context: Any) -> Any:
    events[context.function_name].append(event)
    path = event["rawPath"]
    if path == "/boom":
        raise RuntimeError("handler failure")
    if path == "/plain":
        return {"ok": True}
    if path == "/enqueue":
        port = queue_port_for(os.environ["RUNTIME_TEST_WORK_QUEUE_URL"])
        message_id = port.send({"from": "webhook"})
        return {"statusCode": 202, "body": json.dumps({"message_id": message_id})}
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "body": json.dumps(
            {"received": event.get("body"), "remaining_ms": context.get_remaining_time_in_millis()}
        ),
        "cookies": ["session=abc; Path=/"],
    }
