"""The curriculum's sections, numbered and titled as in ``../shared/CURRICULUM.md``."""

from collections.abc import Mapping

SECTIONS: Mapping[int, str] = {
    1: "Critical points: why training gets stuck",
    2: "Batch: small batch vs large batch",
    3: "Momentum",
    4: "Learning rate: different parameters need different rates",
    5: "Classification: softmax and the loss function",
    6: "Normalization changes the landscape",
}
