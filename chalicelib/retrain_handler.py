"""The daily classifier retrain as its own Lambda function (a container image, ``infra/retrain``).

The retrain trains with scikit-learn (:mod:`chalicelib.linear_training`), which with numpy and scipy
is far larger than the API's Lambda package may grow; the image carries it, the API's package does
not. Its handler runs the same use case as the Chalice ``retrain_classifier`` schedule, which trains
nothing where scikit-learn is missing (see :class:`chalicelib.services.learning.Learning`).
"""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Retrain every field's model from the stored examples and return the report."""
    from chalicelib.wiring import desk

    return desk().learning.retrain()
