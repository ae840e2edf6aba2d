"""The labelled corpus of inbound texts: every text reads as labelled, the corpus covers
each intent and the tricky words, and `manage.py intent_report` reports on it (and fails
when a text is misread)."""

from __future__ import annotations

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consent.keywords import Intent, explain
from consent.management.commands.intent_report import DEFAULT_CORPUS, read_corpus

CORPUS = read_corpus(DEFAULT_CORPUS)
LABELS = Counter(text.label for text in CORPUS)
TRICKY = re.compile(
    r"\b(stop\w*|end\w*|cancel\w*|quit\w*|remove\w*|off|number|help|info|start\w*|yes"
    r"|list|text\w*)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("text", CORPUS, ids=[f"{t.line}:{t.label}:{t.body[:40]}" for t in CORPUS])
def test_it_reads_each_corpus_text_as_labelled(text):
    verdict = explain(text.body)
    assert verdict.intent == text.label, f"{text.body!r}: {verdict}"


def test_it_keeps_a_corpus_big_enough_to_trust():
    assert len(CORPUS) >= 300
    assert LABELS[Intent.OPT_OUT] >= 90
    assert LABELS[Intent.POSSIBLE_OPT_OUT] >= 20
    assert LABELS[Intent.HELP] >= 15
    assert LABELS[Intent.OPT_IN] >= 15
    tricky_replies = [t for t in CORPUS if t.label == Intent.MESSAGE and TRICKY.search(t.body)]
    assert len(tricky_replies) >= 120


def test_it_has_no_text_twice():
    bodies = Counter(text.body for text in CORPUS)
    assert [body for body, n in bodies.items() if n > 1] == []


def test_it_reports_precision_and_recall_for_each_intent():
    out = StringIO()
    call_command("intent_report", stdout=out)
    report = out.getvalue()
    for intent in Intent:
        (row,) = [line for line in report.splitlines() if line.startswith(f"{intent} ")]
        count, precision, recall = row.split()[1:]
        assert int(count) == LABELS[intent]
        assert (precision, recall) == ("100.0%", "100.0%")
    assert f"accuracy: 100.0% ({len(CORPUS)}/{len(CORPUS)})" in report
    assert "misclassified: none" in report


def test_it_fails_and_names_each_misread_text(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text(
        "label\tmessage\tnote\n"
        "# a note\n"
        "message\tSTOP\tlabelled wrong on purpose\n"
        "opt_out\tCan you stop by at 3?\n"
        "help\tHELP\n",
        encoding="utf-8",
    )
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("intent_report", corpus=str(corpus), show_errors=True, stdout=out)
    assert failure.value.returncode == 1
    report = out.getvalue()
    assert "accuracy: 33.3% (1/3)" in report
    assert "line 3: expected message, got opt_out (keyword): 'STOP'" in report
    assert "line 4: expected opt_out, got message (ordinary): 'Can you stop by at 3?'" in report
    assert "corpus note: labelled wrong on purpose" in report
    (help_row,) = [line for line in report.splitlines() if line.startswith("help ")]
    assert help_row.split()[1:] == ["1", "100.0%", "100.0%"]


def test_it_refuses_a_corpus_with_an_unknown_label(tmp_path):
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("message\tHi\nstop_please\tSTOP\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"corpus.tsv:2: unknown label 'stop_please'") as failure:
        call_command("intent_report", corpus=str(corpus), stdout=StringIO())
    assert failure.value.returncode == 2
