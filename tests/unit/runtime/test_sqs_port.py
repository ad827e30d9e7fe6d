"""SqsQueuePort against moto's SQS: what is sent arrives, in as few calls as SQS allows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from walltrack.runtime.queues import QueueSendError, SqsQueuePort, encode_body, queue_port_for


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(QueueName="walltrack-test")["QueueUrl"]
        yield client, url


def _drain(client: Any, url: str) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    while True:
        batch = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            return received
        received += batch


def test_send_puts_one_message_in_the_queue(sqs: tuple[Any, str]) -> None:
    # Given a port on a (moto) SQS queue, with its own lazily created client
    client, url = sqs
    port = SqsQueuePort(url)
    # When a mapping is sent
    message_id = port.send({"mint": "So11111111111111111111111111111111111111112"})
    # Then it arrives as compact JSON under the returned id
    [message] = _drain(client, url)
    assert message["MessageId"] == message_id
    assert json.loads(message["Body"]) == {"mint": "So11111111111111111111111111111111111111112"}


def test_send_many_batches_by_ten_and_every_message_arrives(sqs: tuple[Any, str]) -> None:
    # Given a port whose client counts batch calls
    client, url = sqs
    calls: list[str] = []
    client.meta.events.register(
        "before-call.sqs.SendMessageBatch", lambda **_: calls.append("batch")
    )
    port = SqsQueuePort(url, client=client)
    # When 25 messages are sent
    ids = port.send_many([{"n": n} for n in range(25)])
    # Then three batch calls carried them, and all 25 arrived under the returned ids, in order
    assert len(calls) == 3
    assert len(set(ids)) == 25
    received = {m["MessageId"]: json.loads(m["Body"])["n"] for m in _drain(client, url)}
    assert [received[i] for i in ids] == list(range(25))


def test_a_string_body_is_sent_as_is(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    # When a string is sent / Then the body is that exact string
    SqsQueuePort(url, client=client).send("plain text, not JSON")
    assert [m["Body"] for m in _drain(client, url)] == ["plain text, not JSON"]


def test_mappings_with_decimals_are_json_encoded_without_losing_precision(
    sqs: tuple[Any, str],
) -> None:
    client, url = sqs
    # Given an amount a float cannot hold
    body = {"amount": Decimal("0.000000000000000001"), "size_sol": Decimal("1.5")}
    # When it is sent / Then it arrives as exact decimal strings
    SqsQueuePort(url, client=client).send(body)
    [message] = _drain(client, url)
    assert message["Body"] == '{"amount":"0.000000000000000001","size_sol":"1.5"}'
    assert Decimal(json.loads(message["Body"])["amount"]) == body["amount"]


def test_an_unencodable_body_fails_before_sending() -> None:
    # Given a body holding an object JSON cannot carry / When encoded / Then TypeError
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        encode_body({"x": object()})


def test_failed_batch_entries_raise_a_typed_error() -> None:
    # Given SQS answers a batch with one failed entry
    client = boto3.client(
        "sqs",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    url = "https://sqs.us-east-1.amazonaws.com/000000000000/walltrack-test"
    with Stubber(client) as stub:
        stub.add_response(
            "send_message_batch",
            {
                "Successful": [
                    {"Id": "0", "MessageId": "m-0", "MD5OfMessageBody": "x" * 32},
                ],
                "Failed": [
                    {"Id": "1", "SenderFault": True, "Code": "InvalidParameterValue"},
                ],
            },
        )
        # When two messages are sent / Then the error names the queue and the failure
        with pytest.raises(QueueSendError) as caught:
            SqsQueuePort(url, client=client).send_many(["a", "b"])
    assert caught.value.failed == [
        {"Id": "1", "SenderFault": True, "Code": "InvalidParameterValue"}
    ]
    assert caught.value.component == "sqs"
    assert "walltrack-test" in str(caught.value)


def test_queue_port_for_an_https_url_is_an_sqs_port() -> None:
    # Given a production queue URL / When a port is asked for / Then SQS, in the URL's region
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/walltrack-signal-score"
    port = queue_port_for(url)
    assert isinstance(port, SqsQueuePort)
    assert port.queue_url == url
