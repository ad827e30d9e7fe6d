"""Queue depths in AWS: SQS's approximate counts of a queue and of its dead-letter queue.

The DLQ is found from the queue's own RedrivePolicy (its ARN names the queue), so the API
needs only the queue URLs it already has. boto3 is imported when the first depth is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from walltrack.data.models.messages import QueueName
from walltrack.data.models.pipeline import QueueDepth
from walltrack.errors import DependencyUnavailableError
from walltrack.runtime.queues import _region_of as region_of  # the SQS port's own rule

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsQueueDepths:
    def __init__(self, urls: Mapping[QueueName, str], client: SQSClient | None = None) -> None:
        self._urls = dict(urls)
        self._client = client
        self._dlq_urls: dict[str, str | None] = {}

    @property
    def client(self) -> SQSClient:
        if self._client is None:
            import boto3  # noqa: PLC0415 - only a process that reads depths pays for the import

            region = next((region_of(url) for url in self._urls.values()), None)
            self._client = boto3.client("sqs", region_name=region)
        return self._client

    def depth(self, queue: QueueName, *, now: datetime) -> QueueDepth | None:
        """`now` is unused: SQS counts on its own clock."""
        del now
        url = self._urls.get(queue)
        if not url:
            return None
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            attributes = self.client.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "RedrivePolicy",
                ],
            )["Attributes"]
            dlq_url = self._dlq_url(url, attributes.get("RedrivePolicy"))
            dead = None
            if dlq_url is not None:
                counts = self.client.get_queue_attributes(
                    QueueUrl=dlq_url,
                    AttributeNames=["ApproximateNumberOfMessages"],
                )["Attributes"]
                dead = int(counts.get("ApproximateNumberOfMessages", "0"))
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("sqs", f"queue counts of {queue}: {exc}") from exc
        return QueueDepth(
            visible=int(attributes.get("ApproximateNumberOfMessages", "0")),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", "0")),
            dead_lettered=dead,
        )

    def _dlq_url(self, url: str, policy: str | None) -> str | None:
        if url not in self._dlq_urls:
            target = json.loads(policy).get("deadLetterTargetArn") if policy else None
            if not target:
                self._dlq_urls[url] = None
            else:
                # arn:aws:sqs:<region>:<account>:<name>
                *_, account, name = str(target).split(":")
                found = self.client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
                self._dlq_urls[url] = found["QueueUrl"]
        return self._dlq_urls[url]
