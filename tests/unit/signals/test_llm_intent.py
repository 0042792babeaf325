from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.runnables import RunnableLambda

from signals.llm_intent import IntentChoice, LlmIntentRouter
from signals.taxonomy import load_taxonomy
from signals.types import OUT_OF_SCOPE


class ScriptedChatModel(FakeListChatModel):
    """A fake chat model whose structured output replays scripted answers (the only fake our tests allow)."""

    answers: list[Any]
    prompts: list[str] = []

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        def answer(prompt: str) -> Any:
            self.prompts.append(prompt)
            reply = self.answers.pop(0)
            if isinstance(reply, Exception):
                raise reply
            return reply

        return RunnableLambda(answer)


def _router(*answers: Any) -> tuple[LlmIntentRouter, ScriptedChatModel]:
    model = ScriptedChatModel(responses=["unused"], answers=list(answers), prompts=[])
    return LlmIntentRouter(load_taxonomy(), model), model


def test_structured_answer_is_used_with_its_team() -> None:
    router, model = _router(IntentChoice(intent="refund_request", confidence=0.9))
    prediction = router.route("refund my <CREDIT_CARD> charge")
    assert prediction is not None
    assert (prediction.intent, prediction.team, prediction.confidence) == ("refund_request", "billing", 0.9)
    assert "<CREDIT_CARD>" in model.prompts[0] and "refund_request" in model.prompts[0]


def test_out_of_scope_answer() -> None:
    router, _ = _router(IntentChoice(intent=OUT_OF_SCOPE, confidence=0.8))
    prediction = router.route("what's the weather")
    assert prediction is not None and prediction.intent == OUT_OF_SCOPE and prediction.team is None


def test_unknown_label_or_failure_falls_back() -> None:
    router, _ = _router(IntentChoice(intent="made_up_intent", confidence=0.9), TimeoutError("provider timed out"))
    assert router.route("hello") is None
    assert router.route("hello") is None


def test_analyzer_prefers_the_model_and_falls_back_to_the_embedding_classifier() -> None:
    from signals.analyzer import SignalAnalyzer

    router, model = _router(IntentChoice(intent="security_concern", confidence=0.7), RuntimeError("rate limited"))
    analyzer = SignalAnalyzer(llm_router=router)
    routed = analyzer.analyze("where is my parcel? email me at ana@example.com")
    assert routed.intent == "security_concern"
    assert "ana@example.com" not in model.prompts[0]  # the external model only sees redacted text
    fallback = analyzer.analyze("where is my parcel?")
    assert fallback.intent == "shipping_delivery"
