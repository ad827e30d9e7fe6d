"""wallet_discovery (step 3): a token's candidate wallets, from token_scan or a manual run."""

from __future__ import annotations

from typing import Any

from walltrack.jobs.lambda_events import process_sqs_batch, start_invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("wallet_discovery", context)
    from walltrack.jobs.wallet_discovery import discovery_job_for_message

    return process_sqs_batch(event, context, discovery_job_for_message)
