"""The Ollama stand-in speaks Ollama's protocol (checked with the official client), fails on cue."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import ollama
import pytest
import requests

from tests.ollama_standin import MODES, OllamaStandin

ANSWER = "Preheat the oven to 180 degrees, then bake for twenty minutes."
TOKENS = [
    "Preheat ",
    "the ",
    "oven ",
    "to ",
    "180 ",
    "degrees, ",
    "then ",
    "bake ",
    "for ",
    "twenty ",
]
TOKENS.append("minutes.")
QUESTION = [{"role": "user", "content": "How long do I bake it?"}]
MODEL = "phi3:mini"


@pytest.fixture
def standin() -> Iterator[OllamaStandin]:
    with OllamaStandin(answer=ANSWER) as server:
        yield server


@pytest.fixture
def client(standin: OllamaStandin) -> Iterator[ollama.Client]:
    with ollama.Client(host=standin.url, timeout=10) as official_client:
        yield official_client


def stream_lines(standin: OllamaStandin, path: str = "/api/chat", **body: object) -> list[str]:
    """The raw NDJSON lines of a streamed request, as a plain HTTP client reads them."""
    payload = {"model": MODEL, "messages": QUESTION, **body}
    with requests.post(standin.url + path, json=payload, stream=True, timeout=5) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/x-ndjson"
        return [line.decode() for line in response.iter_lines() if line]


def read_lines(
    standin: OllamaStandin, into: list[bytes], timeout: float | tuple[float, float] = 5
) -> None:
    """Stream a chat line by line into `into`, so that what came before a failure is kept."""
    payload = {"model": MODEL, "messages": QUESTION}
    with requests.post(
        standin.url + "/api/chat", json=payload, stream=True, timeout=timeout
    ) as response:
        for line in response.iter_lines():
            if line:
                into.append(line)


def chat(standin: OllamaStandin, timeout: float = 5, **body: object) -> requests.Response:
    payload = {"model": MODEL, "messages": QUESTION, "stream": False, **body}
    return requests.post(standin.url + "/api/chat", json=payload, timeout=timeout)


# The protocol, through the official client


def test_list_shows_the_models(client: ollama.Client) -> None:
    assert [model.model for model in client.list().models] == [MODEL]


def test_chat_without_stream_returns_the_whole_answer(client: ollama.Client) -> None:
    response = client.chat(model=MODEL, messages=QUESTION)

    assert response.message.content == ANSWER
    assert response.done and response.done_reason == "stop"
    assert response.eval_count == len(TOKENS)
    assert response.prompt_eval_count == 6  # 22 characters, about 4 a token


def test_streamed_chat_yields_the_tokens_then_a_done_chunk(client: ollama.Client) -> None:
    parts = list(client.chat(model=MODEL, messages=QUESTION, stream=True))

    assert "".join(part.message.content for part in parts) == ANSWER
    assert [part.message.content for part in parts[: len(TOKENS)]] == TOKENS
    assert [part.done for part in parts].count(True) == 1
    final = parts[-1]
    assert final.done and final.done_reason == "stop" and final.message.content == ""
    assert final.eval_count == len(parts) - 1
    assert final.total_duration >= final.eval_duration > 0


def test_generate_answers_in_the_response_field(client: ollama.Client) -> None:
    assert client.generate(model=MODEL, prompt="Bake?").response == ANSWER
    parts = list(client.generate(model=MODEL, prompt="Bake?", stream=True))
    assert "".join(part.response for part in parts) == ANSWER


def test_stream_chunks_have_exactly_ollamas_fields(standin: OllamaStandin) -> None:
    lines = [json.loads(line) for line in stream_lines(standin)]

    assert set(lines[0]) == {"model", "created_at", "message", "done"}
    assert lines[0]["message"] == {"role": "assistant", "content": TOKENS[0]}
    assert set(lines[-1]) == {
        "model", "created_at", "message", "done", "done_reason", "total_duration",
        "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count",
        "eval_duration",
    }  # fmt: skip
    generated = stream_lines(standin, "/api/generate", prompt="Bake?")
    assert "response" in json.loads(generated[0]) and "message" not in json.loads(generated[0])


def test_ps_after_a_chat_shows_the_model_with_the_requested_expiry(client: ollama.Client) -> None:
    assert client.ps().models == []
    client.chat(model=MODEL, messages=QUESTION, keep_alive="60m")

    (loaded,) = client.ps().models
    assert loaded.model == MODEL
    expected = datetime.now(UTC) + timedelta(minutes=60)
    assert abs(loaded.expires_at - expected) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("keep_alive", "loaded_for"),
    [("5m", timedelta(minutes=5)), (300, timedelta(minutes=5)), (-1, timedelta(days=365 * 100))],
)
def test_keep_alive_sets_the_expiry(
    client: ollama.Client, keep_alive: str | int, loaded_for: timedelta
) -> None:
    client.chat(model=MODEL, messages=QUESTION, keep_alive=keep_alive)

    (loaded,) = client.ps().models
    assert loaded.expires_at > datetime.now(UTC) + loaded_for - timedelta(minutes=1)


@pytest.mark.parametrize("keep_alive", [0, "0"])
def test_keep_alive_zero_unloads_after_the_request(
    standin: OllamaStandin, client: ollama.Client, keep_alive: int | str
) -> None:
    client.chat(model=MODEL, messages=QUESTION, keep_alive=keep_alive)
    client.chat(model=MODEL, messages=QUESTION, keep_alive=keep_alive)

    assert client.ps().models == []
    assert standin.loads == 2


def test_a_keep_alive_ollama_would_reject_is_a_400(standin: OllamaStandin) -> None:
    response = chat(standin, keep_alive="300")

    assert response.status_code == 400
    assert response.json() == {"error": 'time: missing unit in duration "300"'}


def test_unknown_model_raises_response_error_404(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model="llama3:70b", messages=QUESTION)

    assert raised.value.status_code == 404
    assert raised.value.error == 'model "llama3:70b" not found, try pulling it first'
    with pytest.raises(ollama.ResponseError):
        client.show("llama3:70b")


def test_pull_streams_progress_then_success_and_the_model_appears(client: ollama.Client) -> None:
    progress = list(client.pull("llama3.2", stream=True))

    assert progress[0].status == "pulling manifest"
    downloads = [p for p in progress if p.total]
    assert len(downloads) >= 2 and downloads[-1].completed == downloads[-1].total
    assert progress[-1].status == "success"
    assert "llama3.2:latest" in [model.model for model in client.list().models]
    assert client.chat(model="llama3.2", messages=QUESTION).message.content == ANSWER


def test_show_version_and_root(standin: OllamaStandin, client: ollama.Client) -> None:
    assert client.show(MODEL).details.family == "phi3"
    assert requests.get(standin.url + "/api/version", timeout=5).json()["version"]
    assert requests.get(standin.url, timeout=5).text == "Ollama is running"
    head = requests.head(standin.url, timeout=5)
    assert head.status_code == 200 and head.text == ""


def test_bad_json_is_a_400_with_an_error(standin: OllamaStandin) -> None:
    response = requests.post(standin.url + "/api/chat", data=b"{not json", timeout=5)

    assert response.status_code == 400
    assert response.json()["error"]


def test_empty_messages_only_load_the_model(standin: OllamaStandin, client: ollama.Client) -> None:
    response = chat(standin, messages=[], keep_alive="60m")

    assert response.json()["done_reason"] == "load"
    assert response.json()["message"]["content"] == ""
    assert [model.model for model in client.ps().models] == [MODEL]
    generate = requests.post(standin.url + "/api/generate", json={"model": MODEL}, timeout=5)
    assert generate.json()["done_reason"] == "load"
    assert standin.loads == 1


def test_answer_may_be_a_callable_and_num_predict_caps_the_tokens(standin: OllamaStandin) -> None:
    standin.answer = lambda payload: f"You said: {payload['messages'][-1]['content']}"

    assert chat(standin).json()["message"]["content"] == "You said: How long do I bake it?"
    capped = chat(standin, options={"num_predict": 2}).json()
    assert capped["message"]["content"] == "You said: "
    assert capped["eval_count"] == 2 and capped["done_reason"] == "length"


# Counters


def test_one_session_is_one_connection(standin: OllamaStandin) -> None:
    with requests.Session() as session:
        for _ in range(3):
            session.post(standin.url + "/api/chat", json={"model": MODEL, "messages": QUESTION})
        session.get(standin.url + "/api/tags")

    assert standin.connections == 1
    assert standin.requests == {"POST /api/chat": 3, "GET /api/tags": 1}
    assert standin.chat_requests == 3


def test_payloads_record_what_the_client_sent(
    standin: OllamaStandin, client: ollama.Client
) -> None:
    client.chat(model=MODEL, messages=QUESTION, keep_alive="60m", options={"num_ctx": 2048})

    (payload,) = standin.payloads
    assert payload["keep_alive"] == "60m"
    assert payload["options"] == {"num_ctx": 2048}
    standin.reset_counters()
    assert (standin.payloads, standin.requests, standin.connections) == ([], {}, 0)


def test_a_cold_load_happens_only_the_first_time(standin: OllamaStandin) -> None:
    for _ in range(3):
        chat(standin, keep_alive="60m")
    assert standin.loads == 1

    standin.unload()
    chat(standin, keep_alive="60m")
    assert standin.loads == 2


def test_a_change_of_runner_options_reloads_the_model(standin: OllamaStandin) -> None:
    chat(standin, options={"num_ctx": 2048, "temperature": 0})
    chat(standin, options={"num_ctx": 2048, "temperature": 0.7})
    assert standin.loads == 1

    chat(standin, options={"num_ctx": 4096})
    assert standin.loads == 2


# Fault modes


def test_down_refuses_connections_then_comes_back_on_the_same_port(
    standin: OllamaStandin,
) -> None:
    url = standin.url
    standin.mode = "down"
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/tags", timeout=2)

    standin.mode = "ok"
    assert standin.url == url
    assert requests.get(url + "/api/tags", timeout=2).status_code == 200


def test_hung_never_answers_and_does_not_block_stop(standin: OllamaStandin) -> None:
    standin.mode = "hung"
    with pytest.raises(requests.ReadTimeout):
        chat(standin, timeout=0.3)
    assert standin.chat_requests == 1  # the request was read

    started = time.monotonic()
    standin.stop()
    assert time.monotonic() - started < 5


def test_hung_requests_are_answered_once_the_mode_changes(standin: OllamaStandin) -> None:
    standin.mode = "hung"
    answers: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: answers.append(chat(standin)))
    waiting.start()
    while standin.chat_requests == 0:
        time.sleep(0.01)

    standin.mode = "ok"
    waiting.join(timeout=5)
    assert answers[0].json()["message"]["content"] == ANSWER


def test_fail_next_fails_that_many_requests_then_recovers(
    standin: OllamaStandin, client: ollama.Client
) -> None:
    standin.fail_next(1, status=503)

    with pytest.raises(ollama.ResponseError) as raised:
        client.chat(model=MODEL, messages=QUESTION)
    assert raised.value.status_code == 503
    assert client.chat(model=MODEL, messages=QUESTION).message.content == ANSWER


@pytest.mark.parametrize(("mode", "status"), [("status_500", 500), ("status_503", 503)])
def test_status_modes_answer_a_json_error(standin: OllamaStandin, mode: str, status: int) -> None:
    standin.mode = mode

    response = chat(standin)
    assert response.status_code == status
    assert response.json()["error"]


def test_status_404_says_every_model_is_missing(standin: OllamaStandin) -> None:
    standin.set_mode("status_404")

    assert chat(standin).json() == {"error": f'model "{MODEL}" not found, try pulling it first'}
    assert chat(standin).status_code == 404


def test_error_line_sends_a_few_tokens_then_an_error_with_status_200(
    standin: OllamaStandin, client: ollama.Client
) -> None:
    standin.mode = "error_line"

    lines = [json.loads(line) for line in stream_lines(standin)]
    assert [line["message"]["content"] for line in lines[:-1]] == TOKENS[:3]
    assert list(lines[-1]) == ["error"]
    with pytest.raises(ollama.ResponseError):
        list(client.chat(model=MODEL, messages=QUESTION, stream=True))


def test_malformed_puts_a_line_that_is_not_json_in_the_stream(standin: OllamaStandin) -> None:
    standin.mode = "malformed"

    lines = stream_lines(standin)
    broken = [line for line in lines if not _is_json(line)]
    assert len(broken) == 1
    assert 0 < lines.index(broken[0]) < len(lines) - 1
    assert json.loads(lines[-1])["done"] is True


def test_reset_breaks_the_connection_mid_stream(standin: OllamaStandin) -> None:
    standin.mode = "reset"
    received: list[bytes] = []

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        read_lines(standin, received)
    assert len(received) == 3
    standin.mode = "ok"
    assert chat(standin).status_code == 200


def test_empty_is_done_at_once_with_no_content(standin: OllamaStandin) -> None:
    standin.mode = "empty"

    (line,) = [json.loads(line) for line in stream_lines(standin)]
    assert line["done"] is True and line["message"]["content"] == ""
    assert line["eval_count"] == 0


def test_huge_line_puts_a_2_mb_token_line_in_the_middle_of_the_stream(
    standin: OllamaStandin,
) -> None:
    standin.mode = "huge_line"
    # Read whole, then split: requests' iter_lines is quadratic on a 2 MB line.
    body = chat(standin, stream=True).content
    lines = [json.loads(line) for line in body.split(b"\n") if line]

    contents = [line["message"]["content"] for line in lines[:-1]]
    assert contents == [*TOKENS[:3], "x" * 2 * 1024 * 1024, *TOKENS[3:]]
    assert lines[-1]["done"] is True


def test_endless_line_sends_8_mb_without_a_newline_then_closes(standin: OllamaStandin) -> None:
    standin.mode = "endless_line"
    payload = {"model": MODEL, "messages": QUESTION}
    received = bytearray()

    with (
        pytest.raises(requests.exceptions.ChunkedEncodingError),  # no last chunk
        requests.post(standin.url + "/api/chat", json=payload, stream=True, timeout=5) as response,
    ):
        for chunk in response.iter_content(64 * 1024):
            received += chunk
    *tokens, endless = received.split(b"\n")
    assert [json.loads(line)["message"]["content"] for line in tokens] == TOKENS[:3]
    assert endless.startswith(b'{"model":"phi3:mini"') and len(endless) > 8 * 1024 * 1024


def test_list_line_puts_a_json_array_in_the_middle_of_the_stream(standin: OllamaStandin) -> None:
    standin.mode = "list_line"

    lines = [json.loads(line) for line in stream_lines(standin)]
    assert [isinstance(line, list) for line in lines].index(True) == 3
    assert [isinstance(line, list) for line in lines].count(True) == 1
    assert lines[-1]["done"] is True


def test_wrong_type_sends_numbers_as_content_after_a_few_tokens(standin: OllamaStandin) -> None:
    standin.mode = "wrong_type"

    lines = [json.loads(line) for line in stream_lines(standin)]
    contents = [line["message"]["content"] for line in lines[:-1]]
    assert contents == [*TOKENS[:3], *[123] * (len(TOKENS) - 3)]
    assert lines[-1]["done"] is True


def test_the_size_and_shape_modes_also_break_the_tags_body(standin: OllamaStandin) -> None:
    def tags() -> requests.Response:
        return requests.get(standin.url + "/api/tags", timeout=5)

    standin.mode = "wrong_type"
    assert isinstance(tags().json()["models"], dict)
    standin.mode = "list_line"
    assert isinstance(tags().json(), list)
    standin.mode = "huge_line"
    assert len(tags().content) > 2 * 1024 * 1024


@pytest.mark.parametrize(("mode", "lines_before_timeout"), [("slow_first_token", 0), ("stall", 1)])
def test_slow_modes_delay_tokens(
    standin: OllamaStandin, mode: str, lines_before_timeout: int
) -> None:
    standin.set_mode(mode, seconds=30)
    received: list[bytes] = []

    with pytest.raises(requests.ConnectionError):  # a read timeout in the middle of the body
        read_lines(standin, received, timeout=(2, 0.3))
    assert len(received) == lines_before_timeout


def test_stop_returns_promptly_while_a_slow_stream_is_in_flight(standin: OllamaStandin) -> None:
    standin.tokens_per_second = 0.5

    def read() -> None:
        with contextlib.suppress(requests.RequestException):
            read_lines(standin, [])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while standin.chat_requests == 0:
        time.sleep(0.01)

    started = time.monotonic()
    standin.stop()
    assert time.monotonic() - started < 5
    reader.join(timeout=5)
    assert not reader.is_alive()


def test_an_unknown_mode_is_refused(standin: OllamaStandin) -> None:
    with pytest.raises(ValueError):
        standin.mode = "flaky"
    assert "ok" in MODES and standin.mode == "ok"


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def test_one_model_can_be_hung_or_missing_while_another_answers(standin: OllamaStandin) -> None:
    standin.add_model("qwen2.5:0.5b")
    client = ollama.Client(host=standin.url, timeout=5)
    standin.set_model_mode(MODEL, "hung")
    hung: list[object] = []
    waiter = threading.Thread(target=lambda: hung.append(client.chat(MODEL, messages=QUESTION)))
    waiter.start()
    answered = client.chat("qwen2.5:0.5b", messages=QUESTION)
    assert answered["message"]["content"] == ANSWER
    time.sleep(0.2)
    assert not hung  # still held
    standin.set_model_mode(MODEL, "ok")
    waiter.join(timeout=5)
    assert hung and hung[0]["message"]["content"] == ANSWER
    standin.set_model_mode("qwen2.5:0.5b", "status_404")
    with pytest.raises(ollama.ResponseError) as missing:
        client.chat("qwen2.5:0.5b", messages=QUESTION)
    assert missing.value.status_code == 404
    assert client.chat(MODEL, messages=QUESTION)["message"]["content"] == ANSWER
    with pytest.raises(ValueError):
        standin.set_model_mode(MODEL, "down")


def test_a_faster_model_answers_in_a_fraction_of_the_time() -> None:
    timed = {}
    with OllamaStandin(
        models=(MODEL, "qwen2.5:0.5b"),
        answer=ANSWER,
        tokens_per_second=40,
        speeds={"qwen2.5:0.5b": 4.0},
    ) as server:
        client = ollama.Client(host=server.url, timeout=5)
        for name in (MODEL, "qwen2.5:0.5b"):
            started = time.monotonic()
            assert client.chat(name, messages=QUESTION)["message"]["content"] == ANSWER
            timed[name] = time.monotonic() - started
    # 11 tokens at 40/s take about 0.28 s; four times as fast, about 0.07 s.
    assert timed["qwen2.5:0.5b"] < timed[MODEL] / 2
