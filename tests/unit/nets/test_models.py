"""MLPs as pytrees: parameter counts, shapes, batch-norm semantics, and the losses by hand."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from descentlab.core.nets.models import (
    LOSSES,
    MLPSpec,
    accuracy,
    apply,
    count_params,
    cross_entropy,
    init_batch_stats,
    init_params,
    mse,
    softmax_mse,
)

KEY = jax.random.key(0)
_apply = partial(jax.jit, static_argnames=("spec", "train"))(apply)  # one program per spec
X = jax.random.normal(jax.random.key(1), (32, 3), dtype=jnp.float32)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (MLPSpec(3, (8, 4), 2, "relu"), (3 + 1) * 8 + (8 + 1) * 4 + (4 + 1) * 2),
        (MLPSpec(3, (8, 4), 2, "tanh", batch_norm=True), 78 + 2 * (8 + 4)),
        (MLPSpec(3, (), 2, "relu"), (3 + 1) * 2),  # the linear model
    ],
)
def test_param_count_and_layout(spec: MLPSpec, expected: int) -> None:
    params = init_params(spec, KEY)
    flat, _ = ravel_pytree(params)
    assert count_params(spec) == expected == flat.size
    assert flat.dtype == jnp.float32
    for layer, (fan_in, fan_out) in zip(
        params["layers"], zip(spec.sizes[:-1], spec.sizes[1:], strict=True), strict=True
    ):
        assert layer["w"].shape == (fan_in, fan_out) and layer["b"].shape == (fan_out,)
    hidden = params["layers"][:-1]
    assert all(("scale" in layer) == spec.batch_norm for layer in hidden)
    assert "scale" not in params["layers"][-1]


def test_init_scale_follows_the_activation() -> None:
    wide = 400
    he = init_params(MLPSpec(wide, (wide,), 1, "relu"), KEY)["layers"][0]["w"]
    glorot = init_params(MLPSpec(wide, (wide,), 1, "tanh"), KEY)["layers"][0]["w"]
    assert float(jnp.std(he)) == pytest.approx((2 / wide) ** 0.5, rel=0.02)
    assert float(jnp.std(glorot)) == pytest.approx((2 / (2 * wide)) ** 0.5, rel=0.02)


def test_apply_shapes() -> None:
    for activation in ("relu", "tanh", "gelu", "sigmoid", "elu"):
        spec = MLPSpec(3, (5,), 3, activation, batch_norm=activation == "tanh")  # type: ignore[arg-type]
        params, stats = init_params(spec, KEY), init_batch_stats(spec)
        for train in (True, False):
            outputs, new_stats = _apply(spec, params, stats, X, train)
            assert outputs.shape == (32, 3) and outputs.dtype == jnp.float32
            assert jax.tree.structure(new_stats) == jax.tree.structure(stats)
    linear = MLPSpec(3, (), 1)
    outputs, _ = _apply(linear, init_params(linear, KEY), init_batch_stats(linear), X, True)
    assert outputs.shape == (32, 1)


BN = MLPSpec(3, (4,), 4, "tanh", batch_norm=True)


def _identity_head(spec: MLPSpec) -> dict[str, list[dict[str, jax.Array]]]:
    """The hidden layer's activations as outputs: last layer is the identity."""
    params = init_params(spec, KEY)
    params["layers"][-1] = {
        "w": jnp.eye(4, dtype=jnp.float32),
        "b": jnp.zeros(4, dtype=jnp.float32),
    }
    return params


def test_batch_norm_train_mode_normalizes_each_batch() -> None:
    params, stats = _identity_head(BN), init_batch_stats(BN)
    outputs, _ = apply(BN, params, stats, 5.0 * X + 3.0, True)
    z = np.arctanh(np.asarray(outputs, dtype=np.float64))
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.var(axis=0), 1.0, atol=1e-3)
    # An affine change of the batch is normalized away in training mode, not in evaluation.
    same, _ = apply(BN, params, stats, X, True)
    np.testing.assert_allclose(same, outputs, atol=1e-5)
    evaluated, _ = apply(BN, params, stats, X, False)
    assert not np.allclose(evaluated, same, atol=1e-2)


def test_batch_norm_running_averages_move_toward_batch_statistics() -> None:
    params, stats = _identity_head(BN), init_batch_stats(BN)
    h = np.asarray(X @ params["layers"][0]["w"] + params["layers"][0]["b"][None, :])
    _, once = apply(BN, params, stats, X, True)
    np.testing.assert_allclose(once["mean"][0], 0.1 * h.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(once["var"][0], 0.9 + 0.1 * h.var(axis=0), rtol=1e-5)
    twice = apply(BN, params, once, X, True)[1]
    gap_once = np.abs(once["mean"][0] - h.mean(axis=0))
    assert np.all(np.abs(twice["mean"][0] - h.mean(axis=0)) < gap_once)
    # Evaluation mode leaves the averages alone and uses them: at momentum 0 they are the
    # batch's own statistics, so evaluating that batch reproduces training mode.
    train_out, exact = apply(BN, params, stats, X, True, momentum=0.0)
    eval_out, unchanged = apply(BN, params, exact, X, False)
    assert unchanged is exact
    np.testing.assert_allclose(eval_out, train_out, atol=1e-5)


def test_batch_norm_ignores_masked_rows() -> None:
    params, stats = init_params(BN, KEY), init_batch_stats(BN)
    padded = jnp.concatenate([X, 100.0 * jnp.ones((8, 3), dtype=jnp.float32)])
    mask = jnp.arange(40) < 32
    out, new = apply(BN, params, stats, padded, True, mask=mask)
    ref, ref_stats = apply(BN, params, stats, X, True)
    np.testing.assert_allclose(out[:32], ref, atol=1e-5)
    np.testing.assert_allclose(new["var"][0], ref_stats["var"][0], rtol=1e-5)


LECTURE_LOGITS = jnp.array([[3.0, 1.0, -3.0]], dtype=jnp.float32)


def test_softmax_of_the_lecture_example() -> None:
    probs = np.asarray(jax.nn.softmax(LECTURE_LOGITS, axis=-1))[0]
    np.testing.assert_allclose(probs, [0.88, 0.12, 0.0], atol=5e-3)


def test_cross_entropy_by_hand() -> None:
    logits = np.array([[3.0, 1.0, -3.0], [0.5, -1.0, 2.0]])
    labels = np.array([0, 1])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    by_hand = -np.mean(np.log(probs[[0, 1], labels]))
    value = cross_entropy(jnp.asarray(logits, dtype=jnp.float32), jnp.asarray(labels))
    assert float(value) == pytest.approx(by_hand, rel=1e-6)
    assert float(cross_entropy(LECTURE_LOGITS, jnp.array([0]))) == pytest.approx(
        -np.log(0.8789), abs=1e-3
    )
    huge = jnp.array([[1000.0, -1000.0, 0.0]], dtype=jnp.float32)
    assert float(cross_entropy(huge, jnp.array([1]))) == pytest.approx(2000.0)


def test_softmax_mse_by_hand() -> None:
    logits = np.array([[3.0, 1.0, -3.0], [0.5, -1.0, 2.0]])
    labels = np.array([0, 2])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    one_hot = np.eye(3)[labels]
    by_hand = np.mean(np.sum((one_hot - probs) ** 2, axis=1))
    value = softmax_mse(jnp.asarray(logits, dtype=jnp.float32), jnp.asarray(labels), 3)
    assert float(value) == pytest.approx(by_hand, rel=1e-6)
    with pytest.raises(ValueError, match="expected 4"):
        softmax_mse(jnp.asarray(logits), jnp.asarray(labels), 4)


def test_mse_and_accuracy() -> None:
    outputs = jnp.array([[1.0], [2.0], [4.0]], dtype=jnp.float32)
    targets = jnp.array([1.0, 3.0, 2.0], dtype=jnp.float32)
    assert float(mse(outputs, targets)) == pytest.approx((0 + 1 + 4) / 3)
    logits = jnp.array([[2.0, 1.0], [0.0, 1.0], [3.0, -1.0], [0.0, 5.0]], dtype=jnp.float32)
    assert float(accuracy(logits, jnp.array([0, 1, 1, 1]))) == pytest.approx(0.75)


def test_mse_plateau_where_cross_entropy_has_slope() -> None:
    """Confidently wrong (the wrong class's logit large): MSE's gradient all but vanishes."""
    logits = jnp.array([[-6.0, 8.0, -10.0]], dtype=jnp.float32)
    labels = jnp.array([0])
    ce_grad = jax.grad(cross_entropy)(logits, labels)
    mse_grad = jax.grad(softmax_mse)(logits, labels, 3)
    ce_norm, mse_norm = float(jnp.linalg.norm(ce_grad)), float(jnp.linalg.norm(mse_grad))
    assert ce_norm == pytest.approx(2**0.5, rel=1e-3)  # softmax − one-hot ≈ (−1, 1, 0)
    assert mse_norm < 1e-4 * ce_norm
    # …while the MSE loss itself is near its maximum: large loss, tiny gradient.
    assert float(softmax_mse(logits, labels, 3)) == pytest.approx(2.0, abs=1e-5)


def test_loss_table() -> None:
    assert {name: loss.task for name, loss in LOSSES.items()} == {
        "cross_entropy": "classification",
        "softmax_mse": "classification",
        "mse": "regression",
    }
    logits = jnp.array([[3.0, 1.0, -3.0]], dtype=jnp.float32)
    per_example = LOSSES["cross_entropy"].per_example(logits, jnp.array([0]))
    assert per_example.shape == (1,)
