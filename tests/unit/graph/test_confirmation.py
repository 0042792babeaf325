import pytest

from graph.confirmation import confirms_resolution
from signals.confirmation import get_confirmation_detector


@pytest.mark.parametrize(
    "text",
    [
        "That worked, thanks!",
        "ok it works now",
        "Great, the problem is solved.",
        "you solved it, thank you",
        "all sorted now",
        "ya funcionó, gracias",
        "ça marche maintenant, merci",
        "Es funktioniert jetzt, danke",
        "ora funziona, grazie",
        "problema resolvido, obrigado",
    ],
)
def test_confirmations(text: str) -> None:
    assert confirms_resolution(text)


@pytest.mark.parametrize(
    "text",
    [
        # demands
        "The invoice is wrong and I want it fixed",
        "I want it fixed",
        "fix it now",
        # questions
        "is it fixed?",
        "Has it been resolved",
        # negations
        "it's still not working",
        "that didn't fix it",
        "the reset link worked but I still can't sign in",
        # sarcasm
        "great, broken again, thanks a lot",
        # thanks alone is politeness, not a confirmation
        "Thanks a lot",
        # the same in other languages
        "quiero que lo arreglen",
        "¿ya está arreglado?",
        "sigue sin funcionar",
        "ist es behoben?",
        "es funktioniert immer noch nicht",
        "ça ne marche toujours pas",
        "je veux que ce soit réparé",
        "non funziona ancora",
        "ainda não funciona",
    ],
)
def test_non_confirmations(text: str) -> None:
    assert not confirms_resolution(text)


def test_a_solved_clause_is_vetoed_by_a_problem_clause() -> None:
    verdicts = get_confirmation_detector().clauses("that worked, but now the invoice is wrong")
    assert any(v.confirms for v in verdicts)
    assert any(v.contradicts for v in verdicts)
    assert not confirms_resolution("that worked, but now the invoice is wrong")
