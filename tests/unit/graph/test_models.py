import pytest

from graph.models import ModelChoice, get_chat_model, is_offline
from graph.offline import OfflineResponder
from settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    get_settings.cache_clear()
    get_chat_model.cache_clear()
    yield
    get_settings.cache_clear()
    get_chat_model.cache_clear()


def test_offline_is_the_default() -> None:
    assert isinstance(get_chat_model(), OfflineResponder)
    assert is_offline(get_chat_model("offline"))
    assert get_chat_model("offline") is get_chat_model("offline")


def test_provider_model_goes_through_init_chat_model_with_endpoint_timeout_and_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_TIMEOUT_S", "7")
    monkeypatch.setenv("LLM_MAX_RETRIES", "4")
    get_settings.cache_clear()
    model = get_chat_model("openai:gpt-4o-mini")
    assert type(model).__name__ == "ChatOpenAI"
    assert model.openai_api_base == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    assert model.request_timeout == 7  # type: ignore[attr-defined]
    assert model.max_retries == 4  # type: ignore[attr-defined]


def test_malformed_model_names_are_refused() -> None:
    with pytest.raises(ValueError, match="provider:model"):
        get_chat_model("gpt-4o")


def test_the_answer_chain_is_primary_then_fallback_model_then_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLM_MODEL", "openai:gpt-4o-mini")
    monkeypatch.setenv("LLM_FALLBACK_MODEL", "openai:gpt-4.1-nano")
    get_settings.cache_clear()
    steps = ModelChoice().answer_steps(None, [])
    assert [(s.role, s.model, s.remote) for s in steps] == [
        ("primary", "openai:gpt-4o-mini", True),
        ("fallback", "openai:gpt-4.1-nano", True),
        ("offline", "offline", False),
    ]
    assert isinstance(steps[-1].runnable, OfflineResponder)


def test_offline_alone_when_it_is_the_primary() -> None:
    assert [s.role for s in ModelChoice().answer_steps("offline", [])] == ["primary"]


def test_an_override_replaces_every_model_and_upkeep_defaults_to_rules() -> None:
    fake = OfflineResponder()
    choice = ModelChoice(override=fake)
    assert choice.chat_model("openai:gpt-4o-mini") is fake
    assert choice.upkeep_model(None) is None
    assert ModelChoice().upkeep_model("offline") is None
