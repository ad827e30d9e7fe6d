"""wallet_profile (step 3): one wallet per message → its profile; a failed record is retried
alone (partial batch response), its neighbours are kept."""

from __future__ import annotations

from typing import Any

from walltrack.jobs.lambda_events import process_sqs_batch, start_invocation


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    start_invocation("wallet_profile", context)
    from walltrack.jobs.wallet_discovery import profile_job_for_message

    return process_sqs_batch(event, context, profile_job_for_message)
