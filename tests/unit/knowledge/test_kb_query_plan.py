from knowledge.query_plan import LONG_QUERY_WORDS, identifiers, plan_queries


def test_short_query_is_searched_as_it_is() -> None:
    assert plan_queries("  how do I   reset my password ") == plan_queries("how do I reset my password")
    assert [(sub.text, sub.dense) for sub in plan_queries("how do I reset my password")] == [
        ("how do I reset my password", True)
    ]


def test_long_rambling_query_is_also_searched_sentence_by_sentence() -> None:
    query = (
        "Hi, so last week I bought the annual plan for my team and I think I was charged twice on my card. "
        "Also my colleague cannot sign in since she lost her phone with the authenticator app. "
        "Ok. And where do I find the invoice for our accounting?"
    )
    assert len(query.split()) > LONG_QUERY_WORDS
    texts = [sub.text for sub in plan_queries(query)]
    assert texts[0] == query
    assert "Also my colleague cannot sign in since she lost her phone with the authenticator app." in texts
    assert "And where do I find the invoice for our accounting?" in texts
    assert "Ok." not in texts  # too short to carry a concern of its own


def test_run_on_sentences_are_cut_at_clause_breaks() -> None:
    query = (
        "hi so my card was charged twice for the same month and also the invoice does not show our vat number "
        "and also the tablet I ordered has not arrived yet"
    )
    texts = [sub.text for sub in plan_queries(query)]
    assert "the invoice does not show our vat number" in texts
    assert "the tablet I ordered has not arrived yet" in texts


def test_identifiers_become_keyword_only_sub_queries() -> None:
    plan = plan_queries("my notes won't sync, the app shows NN-4012 since order NS-1234567 ($200, 14 days)")
    assert [(sub.text, sub.dense) for sub in plan[1:]] == [("NN-4012", False), ("NS-1234567", False)]
    assert plan[0].dense
    assert identifiers("HTTP 429 after 2FA, error E0042, price $300, 12 seats") == ["429", "2FA", "E0042"]
    assert identifiers("since March 2024 I pay $300 for 12 seats") == []


def test_run_on_messages_without_punctuation_are_read_in_overlapping_windows() -> None:
    query = (
        "hey i wanna start a video call with my friend who has no account does he need one plus how can i make "
        "a full backup of my mail anyway how do i find out who removed me from their friends list thanks"
    )
    texts = [sub.text for sub in plan_queries(query)][1:]
    assert len(texts) >= 3
    assert all(len(text.split()) <= 12 for text in texts)
    assert any("full backup of my mail" in text for text in texts)
    assert any("removed me from their friends" in text for text in texts)


def test_a_message_at_the_limit_plans_a_bounded_search_that_reaches_its_last_concern() -> None:
    from knowledge.query_plan import HEAD_WORDS, MAX_MESSAGE_WORDS, MAX_PARTS, message_words

    filler = " ".join(f"Sentence number {n} talks about the weather and nothing else." for n in range(120))
    query = (filler + " Finally, how do I export my invoices to a spreadsheet?")[-8000:]
    plan = plan_queries(query)
    assert len(plan[0].text.split()) == HEAD_WORDS
    assert len(plan) <= 1 + MAX_PARTS + 3
    assert "Finally, how do I export my invoices to a spreadsheet?" in [sub.text for sub in plan]
    assert len(message_words(query).split()) <= MAX_MESSAGE_WORDS
