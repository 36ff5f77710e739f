from __future__ import annotations

import pytest
from django.test import override_settings

from help.checks import check_settings
from help.conf import ollama_urls


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_default_settings_pass_every_check():
    assert check_settings() == []


@pytest.mark.parametrize(
    "url",
    ["localhost:11434", "ftp://127.0.0.1", "http://", "http://host:notaport", "", "  ,  "],
)
def test_invalid_ollama_url_is_e001(url):
    with override_settings(HELP={"OLLAMA_URL": url}):
        assert ids(check_settings()) == ["help.E001"]


def test_several_ollama_urls_are_accepted():
    with override_settings(HELP={"OLLAMA_URL": "http://a:11434, https://b.example/"}):
        assert check_settings() == []
    assert ollama_urls("http://a:11434, https://b.example/") == [
        "http://a:11434",
        "https://b.example",
    ]


@pytest.mark.parametrize("name", ["OLLAMA_CONNECT_TIMEOUT", "DEADLINE", "TIMEOUT"])
@pytest.mark.parametrize("value", [0, -1, "abc", None])
def test_non_positive_or_non_numeric_timeout_is_e002(name, value):
    with override_settings(HELP={name: value}):
        assert ids(check_settings()) == ["help.E002"]


def test_deadline_not_shorter_than_timeout_is_e003():
    with override_settings(HELP={"DEADLINE": 30, "TIMEOUT": 30}):
        assert ids(check_settings()) == ["help.E003"]
    with override_settings(HELP={"DEADLINE": 29.5, "TIMEOUT": 30}):
        assert check_settings() == []


def test_unknown_cache_alias_is_e004():
    with override_settings(HELP={"CACHE_ALIAS": "answers"}):
        assert ids(check_settings()) == ["help.E004"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_POOL_SIZE", 0),
        ("CACHE_TTL", "3600"),
        ("MAX_QUESTION_CHARS", -5),
        ("MAX_HINTS_CHARS", True),
        ("OLLAMA_RETRIES", -1),
        ("CACHE_TTL", -1),
        ("OLLAMA_RETRY_BACKOFF", -0.1),
        ("MAX_BODY_BYTES", 0),
    ],
)
def test_bad_integer_setting_is_e005(name, value):
    with override_settings(HELP={name: value}):
        assert ids(check_settings()) == ["help.E005"]


def test_zero_retries_and_zero_cache_ttl_are_allowed():
    with override_settings(HELP={"OLLAMA_RETRIES": 0, "CACHE_TTL": 0}):
        assert check_settings() == []


@pytest.mark.parametrize("value", ["30", "30/minute", "0/m", "x/m", 30])
def test_malformed_rate_limit_is_e006(value):
    with override_settings(HELP={"RATE_LIMIT": value}):
        assert ids(check_settings()) == ["help.E006"]


@pytest.mark.parametrize("value", ["120", "120/minute", "0/m", "x/m", 120, None])
def test_malformed_suggest_rate_limit_is_e006(value):
    with override_settings(HELP={"SUGGEST_RATE_LIMIT": value}):
        messages = check_settings()
    assert ids(messages) == ["help.E006"]
    assert "SUGGEST_RATE_LIMIT" in messages[0].msg


def test_both_malformed_rate_limits_are_reported():
    with override_settings(HELP={"RATE_LIMIT": "30", "SUGGEST_RATE_LIMIT": "120"}):
        assert ids(check_settings()) == ["help.E006", "help.E006"]


@pytest.mark.parametrize("value", ["100/h", "5/s", "1000/d", "10/5m"])
def test_well_formed_rate_limit_passes(value):
    with override_settings(HELP={"RATE_LIMIT": value}):
        assert check_settings() == []


@pytest.mark.parametrize("value", ["help.permissions.nope", "nodots", None])
def test_unimportable_permission_is_e007(value):
    with override_settings(HELP={"PERMISSION": value}):
        assert ids(check_settings()) == ["help.E007"]


def test_unknown_widget_position_is_e008():
    with override_settings(HELP={"WIDGET_POSITION": "middle"}):
        assert ids(check_settings()) == ["help.E008"]


@pytest.mark.parametrize("value", [0, -1, "4", 2.5, True, None, 101, 1_000_000])
def test_bad_max_streams_per_client_is_e014(value):
    with override_settings(HELP={"MAX_STREAMS_PER_CLIENT": value}):
        assert ids(check_settings()) == ["help.E014"]
    with override_settings(HELP={"MAX_STREAMS_PER_CLIENT": 1}):
        assert check_settings() == []


def test_misspelt_setting_is_warning_w001():
    with override_settings(HELP={"DEADLINES": 3}):
        assert ids(check_settings()) == ["help.W001"]


@pytest.mark.parametrize("value", [0, -30, "90", 1.5, True, None])
def test_bad_query_retention_days_is_e005(value):
    with override_settings(HELP={"QUERY_RETENTION_DAYS": value}):
        messages = check_settings()
    assert ids(messages) == ["help.E005"]
    assert "QUERY_RETENTION_DAYS" in messages[0].msg


def test_query_retention_days_may_be_any_positive_number_of_days():
    with override_settings(HELP={"QUERY_RETENTION_DAYS": 1}):
        assert check_settings() == []
    with override_settings(HELP={"QUERY_RETENTION_DAYS": 3650}):
        assert check_settings() == []


@pytest.mark.parametrize("value", ["support", "support@", "a b@example.com", 42])
def test_support_email_that_is_not_an_address_is_e012(value):
    with override_settings(HELP={"SUPPORT_EMAIL": value}):
        assert ids(check_settings()) == ["help.E012"]


@pytest.mark.parametrize(
    "value", ["support.example.com", "ftp://support.example.com", "//evil.example/", "/a b", 1]
)
def test_support_url_that_is_neither_http_nor_a_path_is_e013(value):
    with override_settings(HELP={"SUPPORT_URL": value}):
        assert ids(check_settings()) == ["help.E013"]


def test_a_support_address_and_page_pass():
    support = {"SUPPORT_EMAIL": "support@monchai.example", "SUPPORT_URL": "/contact/"}
    with override_settings(HELP=support):
        assert check_settings() == []
    with override_settings(HELP={"SUPPORT_URL": "https://support.monchai.example/new"}):
        assert check_settings() == []


@pytest.mark.parametrize("value", ["5", "5/hour", "0/h", None])
def test_malformed_ticket_rate_limit_is_e006(value):
    with override_settings(HELP={"TICKET_RATE_LIMIT": value}):
        messages = check_settings()
    assert ids(messages) == ["help.E006"]
    assert "TICKET_RATE_LIMIT" in messages[0].msg


@pytest.mark.parametrize(
    "value", ["phi3:mini", ["phi3:mini", "phi3:mini"], ["phi3:mini", ""], [None], ["a", 3]]
)
def test_malformed_model_chain_is_e010(value):
    with override_settings(HELP={"OLLAMA_MODELS": value}):
        assert "help.E010" in ids(check_settings())


@pytest.mark.parametrize("value", [[], ("phi3:mini",), ["phi3:mini", "qwen2.5:0.5b"]])
def test_a_model_chain_of_distinct_names_passes(value):
    with override_settings(HELP={"OLLAMA_MODELS": value}):
        assert "help.E010" not in ids(check_settings())


@pytest.mark.parametrize("value", [0, -1, "2", True])
def test_bad_first_token_budget_is_e011(value):
    with override_settings(HELP={"FIRST_TOKEN_BUDGET": value}):
        assert "help.E011" in ids(check_settings())


def test_a_first_token_budget_not_shorter_than_the_deadline_is_w002():
    with override_settings(HELP={"FIRST_TOKEN_BUDGET": 5, "DEADLINE": 5}):
        assert ids(check_settings()) == ["help.W002"]
    with override_settings(HELP={"FIRST_TOKEN_BUDGET": 2.5, "DEADLINE": 5}):
        assert ids(check_settings()) == []


@pytest.mark.parametrize("value", [-1, "3", None, 30, 31])
def test_bad_upgrade_wait_is_e015(value):
    with override_settings(HELP={"UPGRADE_WAIT": value, "TIMEOUT": 30}):
        assert ids(check_settings()) == ["help.E015"]


@pytest.mark.parametrize("value", [0, 0.5, 29])
def test_an_upgrade_wait_shorter_than_the_timeout_passes(value):
    with override_settings(HELP={"UPGRADE_WAIT": value, "TIMEOUT": 30}):
        assert check_settings() == []
