"""Input that costs nothing: addresses are checked for length and alphabet before the quadratic
base58 decode, error text quotes only an excerpt, and control characters are named."""

from __future__ import annotations

import base58
import pytest

from walltrack.data.models.enhanced_tx import system_op_kind
from walltrack.data.models.inputs import excerpt, has_control_characters
from walltrack.data.models.solana import SOL_MINT, is_address, validate_address
from walltrack.errors import InvalidInputError

HOSTILE = [
    "1" * 45,  # one character past the longest 32-byte address
    "z" * 100_000,  # the 12-second mint of the finding
    "1" * 1_000_000,  # the mint that never returned
    "So1111111111111111111111111111111111111111l",  # 'l' is not base58
    SOL_MINT + "\n",
    "",
]


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every string the base58 decoder is handed (the real decoder still runs;
    the models call it through the module, so one patch sees every call)."""
    lengths: list[int] = []
    real = base58.b58decode

    def spy(text: str | bytes) -> bytes:
        lengths.append(len(text))
        return real(text)

    monkeypatch.setattr(base58, "b58decode", spy)
    return lengths


@pytest.mark.timeout(10)  # a hang (the quadratic decode of a megabyte) fails instead of stalling
@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: f"{len(t)} chars")
def test_a_malformed_address_is_refused_before_any_decode(decoded: list[int], text: str) -> None:
    # When something that cannot be a 32-byte address is checked
    valid = is_address(text)
    # Then it is refused without being decoded
    assert valid is False
    assert decoded == []


def test_a_well_formed_address_is_decoded_and_accepted(decoded: list[int]) -> None:
    assert is_address(SOL_MINT)
    assert decoded == [len(SOL_MINT)]
    # A base58 string of the right length that decodes to 33 bytes is still refused
    assert not is_address("z" * 44)


@pytest.mark.timeout(10)
def test_the_error_for_a_huge_address_quotes_an_excerpt() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_address("9" * 1_000_000, field="mint")
    assert len(str(caught.value)) < 200
    assert "(1000000 characters)" in str(caught.value)


@pytest.mark.timeout(10)
def test_instruction_data_longer_than_a_transaction_is_not_decoded(decoded: list[int]) -> None:
    # Given System instruction data longer than any transaction can carry
    assert system_op_kind("3" * 1_000_000) is None
    # Then it was never decoded; real transfer data still is
    assert decoded == []
    assert system_op_kind(base58.b58encode(bytes([2, 0, 0, 0]) + bytes(8)).decode()) is not None


def test_an_excerpt_is_short_says_how_long_the_input_was_and_escapes_controls() -> None:
    assert excerpt("abc") == "abc"
    cut = excerpt("k" * 1_000_000)
    assert cut.startswith("k" * 40)
    assert cut.endswith("(1000000 characters)")
    assert len(cut) < 80
    assert excerpt("a\x00b\ud800") == "a\\u0000b\\ud800"
    assert excerpt("a\x00b\ud800").encode("utf-8")  # always encodable in a JSON response


@pytest.mark.parametrize(
    ("text", "unsafe"),
    [("plain text, é ü 漢字", False), ("nul\x00", True), ("tab\t", True), ("c1\x85", True),
     ("del\x7f", True), ("\udc00", True)],
)  # fmt: skip
def test_control_characters_and_lone_surrogates_are_unsafe(text: str, unsafe: bool) -> None:
    assert has_control_characters(text) is unsafe
