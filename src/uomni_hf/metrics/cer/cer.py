"""Character error rate as a local `evaluate` module: `evaluate.load("cer")` would fetch its script from the Hub."""

import datasets
import evaluate
import jiwer


class CharacterErrorRate(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description="Character error rate: character-level edit distance / reference characters, via jiwer.",
            citation="",
            inputs_description="predictions: list of hypothesis strings; references: list of reference strings.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> float:
        return jiwer.cer(references, predictions)
