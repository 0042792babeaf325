import pytest

from graph.confirmation import confirms_resolution


@pytest.mark.parametrize(
    "text",
    [
        "That worked, thanks!",
        "ok it works now",
        "Great, the problem is solved.",
        "you solved it, thank you",
        "all sorted, cheers",
        "ya funcionó, gracias",
        "ça marche maintenant, merci",
        "Es funktioniert jetzt, danke",
    ],
)
def test_confirmations(text: str) -> None:
    assert confirms_resolution(text)


@pytest.mark.parametrize(
    "text",
    [
        "That didn't work",
        "it still doesn't work",
        "the reset link worked but I still can't sign in, nothing is fixed",
        "How do I fix it?",
        "no funciona",
        "ça ne marche pas",
        "It is not solved",
    ],
)
def test_non_confirmations(text: str) -> None:
    assert not confirms_resolution(text)
