"""The wallet detail's score explanation names every input the score reads, the prior included."""

from __future__ import annotations

from ui.wallets import breakdown_markdown


def _breakdown(**extra: object) -> dict[str, object]:
    return {
        "components": [
            {"name": "copy_edge", "value": 0.1, "normalised": 0.2, "weight": 1.0,
             "contribution": 0.2},
        ],
        "raw": 0.2,
        "sample_size": 4,
        "confidence": 0.4,
        "shrunk": -0.1,
        "bot_penalty": 0.0,
        "score": -0.1,
        **extra,
    }  # fmt: skip


def test_the_detail_shows_the_prior_the_score_was_shrunk_toward() -> None:
    # Given a breakdown shrunk toward a prior of -0.3
    text = breakdown_markdown(_breakdown(prior=-0.3))
    # Then the explanation reads raw x confidence + prior x (1 - confidence) -> shrunk
    assert "prior **-0.30** × (1 − confidence) → **-0.100**" in text


def test_a_profile_made_before_the_prior_reads_as_shrunk_toward_zero() -> None:
    # Given a stored breakdown from before the prior existed (no `prior` key)
    text = breakdown_markdown(_breakdown())
    # Then it says the prior was 0, which is what it was
    assert "prior **+0.00**" in text
