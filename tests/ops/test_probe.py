from __future__ import annotations

from help.ollama.client import get_client
from help.ops.probe import find_model, probe_ollama


def test_a_name_and_its_latest_tag_are_one_model():
    models = [{"name": "phi3:latest"}, {"model": "llama3.2:1b"}]
    assert find_model(models, "phi3") == {"name": "phi3:latest"}
    assert find_model(models, "llama3.2:1b") == {"model": "llama3.2:1b"}
    assert find_model(models, "llama3.2:3b") is None


def test_the_probe_sees_the_model_installed_then_loaded_with_its_expiry(ollama):
    ollama.unload()
    cold = probe_ollama()
    assert (cold.up, cold.available, cold.loaded, cold.error) == (True, True, False, "")
    assert cold.expires_at is None
    get_client().load(timeout=5)
    warm = probe_ollama()
    assert warm.loaded
    assert warm.expires_at is not None


def test_a_missing_model_is_up_but_not_available(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "absent:1b"}
    state = probe_ollama()
    assert (state.up, state.available, state.loaded) == (True, False, False)


def test_an_unreachable_ollama_is_a_state_not_an_exception(ollama):
    ollama.set_mode("down")
    state = probe_ollama()
    assert (state.up, state.available, state.error) == (False, False, "unreachable")
