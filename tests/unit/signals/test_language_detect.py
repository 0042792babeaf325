from signals.language import detect_language


def test_short_messages_fall_back_to_the_known_language() -> None:
    assert detect_language("ok", known_language="de") == "de"
    assert detect_language("thx!", known_language="fr") == "fr"
    assert detect_language("ok") == "en"


def test_detects_common_languages() -> None:
    assert detect_language("¿Dónde está mi pedido? Llega tarde otra vez", known_language="en") == "es"
    assert detect_language("Je voudrais annuler mon abonnement, s'il vous plaît") == "fr"
    assert detect_language("Ich möchte mein Passwort zurücksetzen, bitte helfen Sie mir") == "de"


def test_english_is_not_overridden_by_the_known_language() -> None:
    assert detect_language("where is my order, it is a week late", known_language="fr") == "en"
