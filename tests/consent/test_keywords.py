"""Reading inbound texts: the cases that decide whether a customer stops hearing from a
business. The labelled corpus (test_corpus.py) covers everyday phrasings; these pin down the
rules themselves: words not substrings, negation, HELP only as the keyword, normalisation."""

import pytest

from consent.keywords import SHORT_MESSAGE_WORDS, Intent, classify, explain, is_bare_keyword


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "Stop",
        "STOPALL",
        "unsubscribe",
        "CANCEL",
        "End",
        "quit",
        "REVOKE",
        "OPTOUT",
        "OPT OUT",
        "opt-out",
        "Stop please",
        "STOP!!",
        " stop. ",
        "STOP NOW",
        "stop texting me",
        "Please stop texting me",
        "don't text me",
        "Don’t text me again",
        "do not text this number",
        "remove me from your list",
        "Wrong number",
        "wrong number sorry",
        "take me off your list",
        "no more texts please",
        "Unsubscribe me",
        "leave me alone",
    ],
)
def test_it_recognises_opt_outs(body):
    assert classify(body) == Intent.OPT_OUT


@pytest.mark.parametrize(
    "body",
    [
        "Don't stop by until 5",
        "Stopped by earlier?",
        "Can you stop by at 3?",
        "Cancel my appointment tomorrow",
        "The leak won't stop",
        "end of the hallway",
        "Is the quote final?",
        "I'll quit calling if you text",
        "",
        "   ",
        "👍",
        "Help me with my sink please, it's flooding the kitchen floor",
        "STOP the water is everywhere in the basement",
    ],
)
def test_it_reads_near_misses_as_ordinary_replies(body):
    assert classify(body) == Intent.MESSAGE


@pytest.mark.parametrize(
    "body",
    [
        # the keyword inside another word
        "Where's the stopcock?",
        "what's the cancellation fee",
        "this leak is unstoppable",
        "endless dripping from the tap",
        "can you come on the weekend",
        "the tech was unhelpful",
        "I got the information, thanks",
        "the restart button does nothing",
        "yesterday it was fine",
        "the checklist says filters",
        "the contexts of the warranty",
        "Can you remove metal siding?",
        "Can you remove mesh screens too?",
        "the unsubscriber line on the bill",
        # the keyword as an ordinary word, with an object or a subject
        "the toilet won't stop running",
        "it stops, then starts again",
        "the heater quit",
        "the pilot light quit on us",
        "quit working overnight",
        "at the end of the driveway",
        "we can end the visit early",
        "remove the clog please",
        "Cancel Tuesday, can we do Thursday?",
        "I need to cancel the 3pm and rebook",
        "take the old unit off the wall",
        # negated: an instruction not to stop
        "don't stop until it's fixed",
        "please don't cancel, I'm running late",
        "never stop by without calling first",
        "don't end the call, I'll pick up",
        "I don't text much, call me",
        "You never text me back",
        "why don't you text me when you're close",
        "Sorry I didn't call you back",
        "the dog won't leave me alone",
    ],
)
def test_it_reads_keywords_inside_words_negated_or_ordinary_as_replies(body):
    verdict = explain(body)
    assert verdict.intent == Intent.MESSAGE, str(verdict)


@pytest.mark.parametrize(
    "body",
    [
        "HELP",
        "help",
        "Help?",
        "HELP!!!",
        "🙏 help",
        "🚿💧 help!!! 😭",
        "INFO.",
        "info?",
        "ＨＥＬＰ",
    ],
)
def test_it_answers_help_only_for_the_keyword_itself(body):
    assert classify(body) == Intent.HELP


@pytest.mark.parametrize(
    "body",
    [
        "can you help?",
        "Can you help? The furnace is banging",
        "help me",
        "help please",
        "Help! My pipe burst",
        "I need help with my AC",
        "need help asap",
        "who can help me with a clog?",
        "more info please",
        "what info do you need?",
        "helppp",
        "is there any help for seniors?",
    ],
)
def test_it_reads_help_inside_a_request_as_a_customer_message(body):
    assert classify(body) == Intent.MESSAGE


@pytest.mark.parametrize(
    "body",
    ["START", "yes", "Unstop", "start please", "Yes!", "YES 👍", "you can text me again"],
)
def test_it_recognises_opt_ins(body):
    # "Yes" is an opt-in only for an opted-out number, decided by the caller of classify.
    assert classify(body) == Intent.OPT_IN


@pytest.mark.parametrize(
    "body",
    ["can you start?", "start the job monday", "Yes it's still leaking", "I want to start"],
)
def test_it_reads_start_and_yes_about_the_work_as_replies(body):
    assert classify(body) == Intent.MESSAGE


@pytest.mark.parametrize(
    "body",
    [
        "ＳＴＯＰ",  # full-width
        "ЅТОР",  # Cyrillic letters that look Latin
        "S T O P",
        "S.T.O.P.",
        "stoppppp",
        "St\u200bop",  # zero-width space
        "Dont text me",
        "don´t text me",
        "plz stop txting me",
        "unsub",
        "Wrong #",
        "ALTO",
        "Cancelar",
    ],
)
def test_it_normalises_how_people_type(body):
    assert classify(body) == Intent.OPT_OUT


def test_it_leaves_other_scripts_alone():
    assert classify("Нужен сантехник") == Intent.MESSAGE
    assert classify("水管坏了") == Intent.MESSAGE
    assert classify("стоп") == Intent.MESSAGE  # not a lookalike of any keyword


def test_it_never_drops_an_explicit_revocation_in_a_long_text():
    story = " ".join(["the water heater in the basement has been leaking"] * 4)
    assert len(story.split()) > SHORT_MESSAGE_WORDS
    assert classify(f"{story}, and please stop texting me") == Intent.OPT_OUT
    assert classify(f"{story}. Don't text me again.") == Intent.OPT_OUT
    assert classify(f"{story}. Take me off your list.") == Intent.OPT_OUT


def test_it_flags_a_stop_clause_in_a_long_text_and_honours_it_in_a_short_one():
    story = " ".join(["the water heater in the basement has been leaking"] * 4)
    assert classify(f"{story}, so please stop") == Intent.POSSIBLE_OPT_OUT
    assert classify(f"{story}. Stop.") == Intent.POSSIBLE_OPT_OUT
    assert classify("Stop. I found someone else.") == Intent.OPT_OUT
    assert classify("we got it fixed so please stop") == Intent.OPT_OUT


@pytest.mark.parametrize(
    "body",
    [
        "cancel that",
        "Cancel it",
        "cancel. found someone else",
        "can you cancel?",
        "I need to cancel",
        "I want to stop",
        "who gave you this number?",
        "How did you get my number??",
        "why are you texting me",
        "not interested",
        "i didn't call you",
        "No thanks",
        "don't text me before 8am",
        "wrong number?",
        "the invoice has the wrong number",
        "this isn't bob",
        "remove me from the group chat",
        "is this a scam",
        "🛑",
    ],
)
def test_it_leaves_ambiguous_texts_to_a_person(body):
    verdict = explain(body)
    assert verdict.intent == Intent.POSSIBLE_OPT_OUT, str(verdict)


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("this isn't Bob", Intent.OPT_OUT),
        ("This is not Maria's phone", Intent.OPT_OUT),
        ("this isn't bob", Intent.POSSIBLE_OPT_OUT),
        ("this isn't working", Intent.MESSAGE),
        ("this isn't urgent", Intent.MESSAGE),
        ("I'm not Dave", Intent.OPT_OUT),
        ("I'm not home", Intent.MESSAGE),
        ("you have the wrong person", Intent.OPT_OUT),
        ("You sent the bill to the wrong person", Intent.POSSIBLE_OPT_OUT),
        ("You put the wrong part in", Intent.MESSAGE),
    ],
)
def test_it_tells_a_wrong_number_from_ordinary_words(body, intent):
    assert classify(body) == intent


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("take me off your list", Intent.OPT_OUT),
        ("take me off", Intent.OPT_OUT),
        ("Take me off the schedule for Friday", Intent.MESSAGE),
        ("remove my number from the invoice", Intent.MESSAGE),
        ("remove my number from your system", Intent.OPT_OUT),
    ],
)
def test_it_tells_our_list_from_the_schedule(body, intent):
    assert classify(body) == intent


def test_it_explains_which_rule_decided():
    verdict = explain("Can you stop texting me please")
    assert (verdict.intent, verdict.rule, verdict.evidence) == (
        Intent.OPT_OUT,
        "stop-contact",
        "stop texting",
    )
    assert str(verdict) == (
        'opt_out by stop-contact "stop texting": tells us to stop texting / contacting'
    )
    assert explain("Can you stop by at 3?").rule == "ordinary"
    assert explain("cancel that").reason.startswith("cancel / end / quit")


def test_it_counts_only_one_standard_word_as_a_bare_keyword():
    assert is_bare_keyword("STOP")
    assert is_bare_keyword("stop!")
    assert is_bare_keyword(" Help? 🙏")
    assert not is_bare_keyword("stop please")
    assert not is_bare_keyword("wrong number")
    assert not is_bare_keyword("stoppp")  # Twilio would not answer it; Lasso does
    assert not is_bare_keyword("stopcock")
