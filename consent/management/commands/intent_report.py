"""How well consent.keywords reads the labelled corpus of inbound texts.

Every text in the corpus (tests/data/inbound_intent_corpus.tsv unless --corpus says
otherwise) is classified; the report gives each intent's count, precision and recall, the
overall accuracy, and every misclassified text with the rule that fired, so a compliance
reviewer can see why. It exits with status 1 when any text is misclassified. It reads files
only: no database.

Corpus format: one text per line, `label<TAB>message[<TAB>note]`; an optional header line
starting `label<TAB>`; lines starting with # are notes. Labels are the Intent values
(opt_out, possible_opt_out, help, opt_in, message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.keywords import Intent, Verdict, explain

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests" / "data" / "inbound_intent_corpus.tsv"
INTENT_ORDER = (
    Intent.OPT_OUT,
    Intent.POSSIBLE_OPT_OUT,
    Intent.HELP,
    Intent.OPT_IN,
    Intent.MESSAGE,
)


class CorpusError(ValueError):
    pass


@dataclass(frozen=True)
class LabelledText:
    line: int
    label: Intent
    body: str
    note: str = ""


@dataclass(frozen=True)
class Result:
    text: LabelledText
    verdict: Verdict

    @property
    def correct(self) -> bool:
        return self.verdict.intent == self.text.label


@dataclass(frozen=True)
class IntentScore:
    intent: Intent
    count: int  # labelled with this intent
    predicted: int  # classified as this intent
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.count if self.count else None


def read_corpus(path: Path) -> list[LabelledText]:
    texts = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        label, tab, rest = line.partition("\t")
        if not tab:
            raise CorpusError(f"{path}:{number}: expected label<TAB>message, got {line!r}")
        try:
            intent = Intent(label.strip())
        except ValueError:
            raise CorpusError(f"{path}:{number}: unknown label {label!r}") from None
        body, _, note = rest.partition("\t")
        texts.append(LabelledText(line=number, label=intent, body=body, note=note))
    return texts


def classify_all(texts: Iterable[LabelledText]) -> list[Result]:
    return [Result(text, explain(text.body)) for text in texts]


def scores(results: Sequence[Result]) -> list[IntentScore]:
    return [
        IntentScore(
            intent=intent,
            count=sum(r.text.label == intent for r in results),
            predicted=sum(r.verdict.intent == intent for r in results),
            correct=sum(r.correct and r.text.label == intent for r in results),
        )
        for intent in INTENT_ORDER
    ]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "Classify the labelled inbound-text corpus and report precision and recall per intent."
    requires_system_checks: list[str] = []  # reads a file; needs nothing else to be healthy

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
        parser.add_argument(
            "--show-errors",
            action="store_true",
            help="Explain each misclassified text: the words that fired, the rule's reason, "
            "and the corpus note.",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["corpus"]))
        try:
            texts = read_corpus(path)
        except (OSError, CorpusError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if not texts:
            raise CommandError(f"{path}: no labelled texts", returncode=2)
        results = classify_all(texts)
        self.stdout.write(f"Inbound intent corpus: {path} ({len(results)} texts)\n")
        self.stdout.write(f"{'intent':<18} {'count':>6} {'precision':>10} {'recall':>8}")
        for score in scores(results):
            self.stdout.write(
                f"{score.intent:<18} {score.count:>6} {_percent(score.precision):>10} "
                f"{_percent(score.recall):>8}"
            )
        errors = [r for r in results if not r.correct]
        right = len(results) - len(errors)
        self.stdout.write(f"\naccuracy: {_percent(right / len(results))} ({right}/{len(results)})")
        if not errors:
            self.stdout.write("misclassified: none")
            return
        self.stdout.write(f"misclassified: {len(errors)}")
        for result in errors:
            self._write_error(result, detailed=bool(options["show_errors"]))
        raise CommandError(f"{len(errors)} of {len(results)} texts misclassified", returncode=1)

    def _write_error(self, result: Result, *, detailed: bool) -> None:
        text, verdict = result.text, result.verdict
        self.stdout.write(
            f"  line {text.line}: expected {text.label}, got {verdict.intent} "
            f"({verdict.rule}): {text.body!r}"
        )
        if detailed:
            self.stdout.write(f"      {verdict}")
            if text.note:
                self.stdout.write(f"      corpus note: {text.note}")
