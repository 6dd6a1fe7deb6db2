"""Word error rate as a local `evaluate` module: `evaluate.load("wer")` would fetch its script from the Hub."""

import datasets
import evaluate
import jiwer


class WordErrorRate(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description="Word error rate: (substitutions + deletions + insertions) / reference words, via jiwer.",
            citation="",
            inputs_description="predictions: list of hypothesis strings; references: list of reference strings.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> float:
        return jiwer.wer(references, predictions)
