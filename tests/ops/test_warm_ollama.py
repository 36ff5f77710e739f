from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from help.answering.answer_cache import clear_answers
from help.answering.pipeline import Question, Run
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)


def warm(*args: str) -> str:
    out = StringIO()
    call_command("warm_ollama", *args, stdout=out)
    return out.getvalue()


def test_loads_the_model_with_the_hot_path_options_and_reports_its_expiry(ollama):
    output = warm()
    assert "phi3:mini loaded in" in output
    assert "kept until" in output
    assert ollama.loads == 1
    load = ollama.payloads[-1]
    assert load["messages"] == []
    # Same options as a question: asking next does not reload the model.
    Run.start(Question("Comment créer un client ?"), stream=False).result()
    assert ollama.payloads[-1]["options"] == load["options"]
    assert ollama.loads == 1


def test_missing_model_fails_with_the_pull_command_to_run(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "mistral:7b"}
    with pytest.raises(CommandError, match=r"ollama pull mistral:7b"):
        warm()


def test_pull_fetches_a_missing_model_then_loads_it(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "mistral:7b"}
    output = warm("--pull")
    assert "Pulling mistral:7b" in output
    assert "100%" in output
    assert "mistral:7b loaded in" in output


def test_unreachable_ollama_fails_with_one_clear_line(settings):
    with pytest.raises(CommandError, match=r"did not load phi3:mini: unreachable"):
        warm()


def test_pre_answers_one_question_per_article_on_a_new_site(ollama):
    make_articles()
    output = warm("--questions", "2")
    assert "Pre-answered 2 questions: 2 model." in output
    assert ollama.chat_requests == 3  # the load, then one call per question
    result = Run.start(
        Question("Create a client", "en", "/clients/nouveau/"), stream=False
    ).result()
    assert result["source"] == "cache"


def test_pre_answers_the_most_asked_questions(ollama):
    make_articles()
    for _ in range(3):
        Run.start(Question("Où est le stock ?", "fr", "/stock/", "Stock"), stream=False).result()
    Run.start(Question("Comment faire un devis ?", "fr", "/devis/"), stream=False).result()
    clear_answers()
    warm("--questions", "1")
    # The most asked question, with its page and hints, is in the cache again.
    assert (
        Run.start(Question("Où est le stock ?", "fr", "/stock/", "Stock"), stream=False).result()[
            "source"
        ]
        == "cache"
    )
    assert (
        Run.start(Question("Comment faire un devis ?", "fr", "/devis/"), stream=False).result()[
            "source"
        ]
        == "model"
    )


def test_warms_each_model_of_the_chain(ollama, settings):
    ollama.add_model("qwen2.5:0.5b")
    settings.HELP = {**settings.HELP, "OLLAMA_MODELS": ["phi3:mini", "qwen2.5:0.5b"]}
    output = warm()
    assert "phi3:mini loaded in" in output
    assert "qwen2.5:0.5b loaded in" in output
    assert ollama.loads == 2
    assert ollama.loaded.is_loaded("phi3:mini") and ollama.loaded.is_loaded("qwen2.5:0.5b")


def test_a_missing_model_of_the_chain_fails_with_its_pull_command(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODELS": ["phi3:mini", "qwen2.5:0.5b"]}
    with pytest.raises(CommandError, match=r"ollama pull qwen2\.5:0\.5b"):
        warm()
    assert ollama.loaded.is_loaded("phi3:mini")  # the first one was warmed all the same
    output = warm("--pull")
    assert "Pulling qwen2.5:0.5b" in output
    assert "qwen2.5:0.5b loaded in" in output
