from __future__ import annotations

import time
import tracemalloc

import pytest

from help.ollama import reading
from help.ollama.client import (
    RUNNER_OPTIONS,
    BadResponse,
    ModelMissing,
    OllamaOverloaded,
    OllamaServerError,
    OllamaTimeout,
    OllamaUnreachable,
    StreamInterrupted,
    get_client,
)
from help.ollama.reading import MAX_ANSWER_CHARS
from tests.ollama_standin import OllamaStandin

MESSAGES = [{"role": "user", "content": "Comment créer un client ?"}]
# What a bounded call may take past its budget (a behavioural bound, not a benchmark).
MARGIN = 0.5


def answer(budget: float = 3.0) -> str:
    return "".join(get_client().chat(MESSAGES, budget=budget))


def test_chat_streams_the_answer_in_pieces(ollama):
    pieces = list(get_client().chat(MESSAGES, budget=3))
    assert len(pieces) > 1
    assert "".join(pieces) == "Ouvrez Clients puis cliquez sur Nouveau client."


def test_every_request_carries_keep_alive_and_the_same_options(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_KEEP_ALIVE": "45m"}
    answer()
    get_client().load(timeout=3)
    assert len(ollama.payloads) == 2
    for payload in ollama.payloads:
        assert payload["keep_alive"] == "45m"
        assert payload["options"] == RUNNER_OPTIONS
        assert payload["model"] == "phi3:mini"
    assert ollama.payloads[0]["stream"] is True


def test_sequential_calls_reuse_one_kept_alive_connection(ollama):
    for _ in range(10):
        answer()
    assert ollama.chat_requests == 10
    assert ollama.connections == 1


def test_without_keep_alive_each_call_opens_a_connection_and_omits_keep_alive(ollama, settings):
    settings.HELP = {**settings.HELP, "HTTP_KEEP_ALIVE": False, "OLLAMA_KEEP_ALIVE": ""}
    for _ in range(3):
        answer()
    assert ollama.connections == 3
    assert all("keep_alive" not in payload for payload in ollama.payloads)


def test_a_503_is_retried_and_then_answered(ollama):
    ollama.fail_next(1, status=503)
    assert answer() == "Ouvrez Clients puis cliquez sur Nouveau client."
    assert ollama.chat_requests == 2


def test_persistent_503_is_overloaded_after_the_allowed_retries(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_RETRIES": 2}
    ollama.mode = "status_503"
    with pytest.raises(OllamaOverloaded):
        answer()
    assert ollama.chat_requests == 3


def test_a_500_is_not_retried(ollama):
    ollama.mode = "status_500"
    with pytest.raises(OllamaServerError):
        answer()
    assert ollama.chat_requests == 1


def test_missing_model_is_a_configuration_error_not_retried(ollama):
    ollama.mode = "status_404"
    with pytest.raises(ModelMissing) as caught:
        answer()
    assert caught.value.kind == "model_missing"
    assert ollama.chat_requests == 1


def test_unknown_model_name_is_model_missing(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "mistral:7b"}
    with pytest.raises(ModelMissing):
        answer()


def test_down_server_is_unreachable(ollama):
    ollama.mode = "down"
    with pytest.raises(OllamaUnreachable) as caught:
        answer()
    assert caught.value.kind == "unreachable"


def test_hung_server_times_out_within_the_budget(ollama):
    ollama.mode = "hung"
    with pytest.raises(OllamaTimeout):
        answer(budget=0.5)


def test_stalling_stream_is_bounded_by_the_wall_clock_budget(ollama):
    # Each gap (0.7 s) is shorter than the read timeout (the budget) and longer than the
    # margin, and the six of them last 4.2 s: neither a read timeout nor a check made only
    # when a line arrives ends the call by then; a wall clock does.
    ollama.set_mode("stall", seconds=0.7)
    started = time.monotonic()
    with pytest.raises(OllamaTimeout):
        answer(budget=0.8)
    assert time.monotonic() - started < 0.8 + MARGIN


@pytest.mark.parametrize(
    ("mode", "error"),
    [("malformed", BadResponse), ("error_line", BadResponse), ("reset", StreamInterrupted)],
)
def test_broken_streams_raise_bad_response(ollama, mode, error):
    ollama.mode = mode
    with pytest.raises(error):
        answer()


@pytest.mark.parametrize("mode", ["huge_line", "endless_line", "list_line", "wrong_type"])
def test_a_stream_out_of_size_or_shape_is_a_bad_response_at_once(ollama, mode):
    ollama.mode = mode
    started = time.monotonic()
    with pytest.raises(BadResponse) as caught:
        answer(budget=2)
    assert caught.value.kind == "bad_response"
    assert time.monotonic() - started < 2 + MARGIN


@pytest.mark.parametrize("mode", ["huge_line", "endless_line"])
def test_an_overlong_line_is_refused_without_being_held(ollama, mode):
    # The stand-in sends its 2 or 8 MB a 64 KiB piece at a time from one buffer, so the
    # process's peak is the client's: at most a line's cap and a read, not the line.
    ollama.mode = mode
    tracemalloc.start()
    try:
        with pytest.raises(BadResponse, match="longer than"):
            answer()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


def test_an_answer_past_the_cap_is_a_bad_response_and_is_not_relayed_whole(ollama):
    ollama.answer = ("x" * 49 + " ") * 200  # 10,000 characters in 200 tokens (< num_predict)
    relayed: list[str] = []
    with pytest.raises(BadResponse) as caught:
        relayed.extend(get_client().chat(MESSAGES, budget=3))
    assert caught.value.kind == "bad_response"
    assert 0 < len("".join(relayed)) <= MAX_ANSWER_CHARS


def test_a_deeply_nested_line_is_a_bad_response():
    with pytest.raises(BadResponse):
        reading._json_object(bytearray(b"[" * 100_000), "a stream line")


@pytest.mark.parametrize("mode", ["wrong_type", "list_line", "huge_line"])
def test_tags_out_of_shape_or_size_is_a_bad_response(ollama, mode):
    # wrong_type: "models" is an object; list_line: the body is an array; huge_line: 2 MB.
    ollama.mode = mode
    with pytest.raises(BadResponse) as caught:
        get_client().tags()
    assert caught.value.kind == "bad_response"


def test_second_host_answers_when_the_first_is_down(ollama, settings):
    with OllamaStandin() as dead:
        dead_url = dead.url
    settings.HELP = {**settings.HELP, "OLLAMA_URL": f"{dead_url},{ollama.url}"}
    for _ in range(3):
        assert answer()
    assert ollama.chat_requests == 3


def test_tags_ps_and_version_report_the_server_state(ollama):
    client = get_client()
    assert "phi3:mini" in {model["name"] for model in client.tags()}
    assert client.ps() == []
    client.load(timeout=3)
    assert [model["name"] for model in client.ps()] == ["phi3:mini"]
    assert client.version()


def test_pull_streams_progress_until_success(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "llama3.2:1b"}
    statuses = [progress["status"] for progress in get_client().pull(timeout=5)]
    assert statuses[0] == "pulling manifest"
    assert statuses[-1] == "success"
    assert "llama3.2:1b" in {model["name"] for model in get_client().tags()}
