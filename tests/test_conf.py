from __future__ import annotations

import pytest
from django.test import override_settings

from help.conf import DEFAULTS, help_settings


def test_defaults_apply_when_help_setting_is_absent(settings):
    del settings.HELP
    assert DEFAULTS["DEADLINE"] == help_settings.DEADLINE
    assert help_settings.OLLAMA_MODEL == "phi3:mini"


def test_override_settings_is_followed_at_once():
    with override_settings(HELP={"DEADLINE": 1.5, "OLLAMA_MODEL": "llama3.2:1b"}):
        assert help_settings.DEADLINE == 1.5
        assert help_settings.OLLAMA_MODEL == "llama3.2:1b"
        # Keys not overridden keep their defaults.
        assert DEFAULTS["TIMEOUT"] == help_settings.TIMEOUT
    with override_settings(HELP={"DEADLINE": 2.5}):
        assert help_settings.DEADLINE == 2.5


def test_unknown_setting_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        _ = help_settings.NOT_A_SETTING


def test_as_dict_merges_user_values_over_defaults():
    with override_settings(HELP={"CACHE_TTL": 60}):
        merged = help_settings.as_dict()
    assert merged["CACHE_TTL"] == 60
    assert merged.keys() == DEFAULTS.keys()
