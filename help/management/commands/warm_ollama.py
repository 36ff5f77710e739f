"""``manage.py warm_ollama``: load each model of the chain as the hot path uses it,
optionally pull it first, and pre-answer the most asked questions. Run it at deploy and
from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from help.conf import help_settings, ollama_models
from help.ollama.errors import ModelMissing, OllamaError
from help.ops.warmup import most_asked, pre_answer, pull_model, warm_model

BAR_WIDTH = 30


def progress_bar(done: float, total: float, label: str = "") -> str:
    fraction = min(max(done / total, 0.0), 1.0) if total else 0.0
    filled = int(fraction * BAR_WIDTH)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%} {label}".rstrip()


class Command(BaseCommand):
    help = "Load each Ollama model of the chain with the hot path's options, and pre-answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pull", action="store_true", help="Pull a model first when it is missing."
        )
        parser.add_argument(
            "--questions",
            type=int,
            default=0,
            metavar="N",
            help="Pre-answer the N most asked questions into the cache.",
        )

    def handle(self, *args: Any, pull: bool, questions: int, **options: Any) -> None:
        for model in ollama_models():
            self._load(model, pull)
        if questions > 0:
            self._pre_answer(questions)

    def _load(self, model: str, pull: bool) -> None:
        try:
            result = self._warm(model, pull)
        except ModelMissing as exc:
            raise CommandError(
                f"The model {model} is not on the Ollama server ({exc}). "
                f"Run `ollama pull {model}` there, or this command with --pull."
            ) from exc
        except OllamaError as exc:
            raise CommandError(
                f"Ollama at {help_settings.OLLAMA_URL} did not load {model}: {exc.kind} ({exc})."
            ) from exc
        if not result.loaded:
            raise CommandError(f"{model} answered but is not listed as loaded by /api/ps.")
        expiry = result.expires_at.isoformat() if result.expires_at else "unknown"
        self.stdout.write(
            self.style.SUCCESS(f"{model} loaded in {result.seconds:.1f} s, kept until {expiry}.")
        )

    def _warm(self, model: str, pull: bool) -> Any:
        try:
            return warm_model(model)
        except ModelMissing:
            if not pull:
                raise
        self.stdout.write(f"Pulling {model}…")
        for progress in pull_model(model):
            total, completed = progress.get("total"), progress.get("completed")
            label = progress.get("status", "")
            line = progress_bar(completed or 0, total, label) if total else label
            self._progress(line)
        self._progress("", end=True)
        return warm_model(model)

    def _pre_answer(self, count: int) -> None:
        questions = most_asked(count)
        total = len(questions)

        def report(index: int, question: Any, source: str) -> None:
            self._progress(progress_bar(index, total, f"{index}/{total} ({source})"))

        sources = pre_answer(questions, progress=report)
        self._progress("", end=True)
        summary = ", ".join(f"{count} {source}" for source, count in sorted(sources.items()))
        self.stdout.write(self.style.SUCCESS(f"Pre-answered {total} questions: {summary}."))
        if sources.get("fallback"):
            raise CommandError(f"{sources['fallback']} questions got no model answer.")

    def _progress(self, line: str, end: bool = False) -> None:
        # Redraw one line on a terminal; plain lines in logs (cron) and tests.
        if self.stdout.isatty():
            self.stdout.write(f"\r{line:<79}", ending="\n" if end else "")
            self.stdout.flush()
        elif line:
            self.stdout.write(line)
