import pytest

from consent.keywords import Intent, classify, is_bare_keyword


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
        "Yes",
        "Help me with my sink please, it's flooding the kitchen floor",
        "STOP the water is everywhere in the basement",
    ],
)
def test_near_misses_are_ordinary_replies(body):
    # "Yes" is an opt-in only for an opted-out number, decided by the caller of classify.
    assert classify(body) in {Intent.MESSAGE, Intent.OPT_IN}
    assert classify(body) != Intent.OPT_OUT


@pytest.mark.parametrize("body", ["START", "yes", "Unstop", "start please"])
def test_it_recognises_opt_ins(body):
    assert classify(body) == Intent.OPT_IN


@pytest.mark.parametrize("body", ["HELP", "help", "Info", "HELP!"])
def test_it_recognises_help(body):
    assert classify(body) == Intent.HELP


def test_only_a_single_standard_word_is_a_bare_keyword():
    assert is_bare_keyword("STOP")
    assert is_bare_keyword("stop!")
    assert not is_bare_keyword("stop please")
    assert not is_bare_keyword("wrong number")
