"""Landscapes: filter normalization, slices, interpolation and PCA directions."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import Array

from descentlab.core.nets import chunks, landscape
from tests.compile_counter import count_compiles

SIZES = (3, 8, 5, 2)


def mlp_params(key: Array, sizes: tuple[int, ...] = SIZES, batch_norm: bool = False) -> dict:
    """The models' Weights convention: ``{"layers": [{"w", "b", maybe "scale", "bias"}]}``."""
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        key, kw, kb = jax.random.split(key, 3)
        layer = {
            "w": jax.random.normal(kw, (fan_in, fan_out), jnp.float32)
            / np.float32(np.sqrt(fan_in)),
            "b": 0.1 * jax.random.normal(kb, (fan_out,), jnp.float32),
        }
        if batch_norm:
            layer["scale"] = jnp.ones((fan_out,), jnp.float32)
            layer["bias"] = jnp.full((fan_out,), 0.5, jnp.float32)
        layers.append(layer)
    return {"layers": layers}


def mlp_loss(params: dict, data: tuple[Array, Array]) -> Array:
    """Mean softmax cross-entropy of a tanh MLP."""
    x, labels = data
    hidden = x
    for layer in params["layers"][:-1]:
        hidden = jnp.tanh(hidden @ layer["w"] + layer["b"][None, :])
    last = params["layers"][-1]
    logits = hidden @ last["w"] + last["b"][None, :]
    picked = jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1)
    return -jnp.mean(picked)


def quadratic_loss(params: dict, data: Array) -> Array:
    """½ Σ h_i (w_i − c_i)² over one flat leaf ``w``; data holds (h, c)."""
    h, c = data[0], data[1]
    return 0.5 * jnp.sum(h * jnp.square(params["w"] - c))


def dataset(key: Array, n: int = 40) -> tuple[Array, Array]:
    x = jax.random.normal(key, (n, SIZES[0]), jnp.float32)
    labels = (x[:, 0] > 0).astype(jnp.int32)
    return x, labels


@pytest.fixture
def net() -> tuple[dict, tuple[Array, Array]]:
    return mlp_params(jax.random.key(0)), dataset(jax.random.key(1))


def test_filter_normalization() -> None:
    params = mlp_params(jax.random.key(2), batch_norm=True)
    direction = landscape.random_direction(params, jax.random.key(3))
    assert str(jax.tree.structure(direction)) == str(jax.tree.structure(params))
    for layer, moved in zip(params["layers"], direction["layers"], strict=True):
        w, d = np.asarray(layer["w"]), np.asarray(moved["w"])
        assert d.shape == w.shape and d.dtype == np.float32
        # each output neuron's incoming weights: a column of the (in, out) matrix
        np.testing.assert_allclose(np.linalg.norm(d, axis=0), np.linalg.norm(w, axis=0), rtol=1e-5)
        assert not np.allclose(d / np.linalg.norm(d, axis=0), w / np.linalg.norm(w, axis=0))
        for name in ("b", "scale", "bias"):
            assert np.all(np.asarray(moved[name]) == 0.0)


def test_filter_normalization_of_1d_leaves_when_included() -> None:
    params = mlp_params(jax.random.key(2), batch_norm=True)
    direction = landscape.random_direction(params, jax.random.key(3), include_1d=True)
    for layer, moved in zip(params["layers"], direction["layers"], strict=True):
        for name in ("b", "scale", "bias"):
            d = np.asarray(moved[name])
            assert np.any(d != 0.0)
            np.testing.assert_allclose(
                np.linalg.norm(d), np.linalg.norm(np.asarray(layer[name])), rtol=1e-5
            )


def test_filter_normalization_of_a_convolution_kernel() -> None:
    kernel = jax.random.normal(jax.random.key(4), (3, 3, 4, 6), jnp.float32)
    d = np.asarray(landscape.random_direction({"k": kernel}, jax.random.key(5))["k"])
    norms = np.sqrt(np.sum(np.square(d), axis=(0, 1, 2)))
    expected = np.sqrt(np.sum(np.square(np.asarray(kernel)), axis=(0, 1, 2)))
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_directions_differ_by_key(net: tuple[dict, tuple[Array, Array]]) -> None:
    params, _ = net
    a = landscape.flatten(landscape.random_direction(params, jax.random.key(6)))
    b = landscape.flatten(landscape.random_direction(params, jax.random.key(7)))
    assert not np.allclose(a, b)


def test_slice_centre_equals_the_loss(net: tuple[dict, tuple[Array, Array]]) -> None:
    params, data = net
    d1 = landscape.random_direction(params, jax.random.key(8))
    d2 = landscape.random_direction(params, jax.random.key(9))
    result = landscape.slice_2d(mlp_loss, params, d1, d2, [-1.0, 0.5], [0.25], data)
    direct = float(mlp_loss(params, data))
    assert result["centre"]["matches"]
    assert result["centre"]["grid"] == pytest.approx(direct, rel=1e-5)
    assert result["centre"]["direct"] == pytest.approx(direct, rel=1e-6)
    one = landscape.slice_1d(mlp_loss, params, d1, np.linspace(-1, 1, 5), data)
    assert one["centre"]["matches"]
    assert one["y"][2] == pytest.approx(direct, rel=1e-5)


def test_slice_1d_of_a_quadratic_is_the_parabola() -> None:
    rng = np.random.default_rng(0)
    h, c = rng.uniform(0.5, 3.0, 7), rng.normal(size=7)
    params = {"w": jnp.asarray(rng.normal(size=7))}
    direction = {"w": jnp.asarray(rng.normal(size=7))}
    alphas = np.linspace(-2.0, 3.0, 37)
    result = landscape.slice_1d(
        quadratic_loss, params, direction, alphas, jnp.asarray(np.stack([h, c]))
    )
    w, d = np.asarray(params["w"]), np.asarray(direction["w"])
    # L(w + αd) = L(w) + α dᵀH(w − c) + ½ α² dᵀHd
    expected = (
        0.5 * np.sum(h * (w - c) ** 2)
        + alphas * np.sum(d * h * (w - c))
        + 0.5 * alphas**2 * np.sum(h * d * d)
    )
    np.testing.assert_allclose(result["x"], alphas)
    np.testing.assert_allclose(result["y"], expected, rtol=1e-12, atol=1e-12)


def test_slice_2d_layout_on_a_non_square_grid(net: tuple[dict, tuple[Array, Array]]) -> None:
    params, data = net
    d1 = landscape.random_direction(params, jax.random.key(10))
    d2 = landscape.random_direction(params, jax.random.key(11))
    alphas, betas = np.linspace(-1.0, 1.0, 5), np.array([-0.5, 0.0, 0.75])
    result = landscape.slice_2d(mlp_loss, params, d1, d2, alphas, betas, data)
    assert result["z"].shape == (3, 5)
    for j, beta in enumerate(betas):
        for i, alpha in enumerate(alphas):
            moved = jax.tree.map(
                lambda w, a, b, al=alpha, be=beta: w + np.float32(al) * a + np.float32(be) * b,
                params,
                d1,
                d2,
            )
            assert result["z"][j][i] == pytest.approx(float(mlp_loss(moved, data)), rel=1e-5)


def test_a_grid_in_timed_pieces_checks_between_them_and_gives_the_same_values(
    net: tuple[dict, tuple[Array, Array]], monkeypatch: pytest.MonkeyPatch
) -> None:
    params, data = net
    d1 = landscape.random_direction(params, jax.random.key(10))
    d2 = landscape.random_direction(params, jax.random.key(11))
    axis = np.linspace(-1.0, 1.0, 4)
    whole = landscape.slice_2d(mlp_loss, params, d1, d2, axis, axis, data)
    monkeypatch.setattr(chunks, "CHECK_INTERVAL_S", 0.0)  # every chunk its own piece
    checks: list[int] = []
    pieces = landscape.slice_2d(
        mlp_loss, params, d1, d2, axis, axis, data, between=lambda: checks.append(1)
    )
    live = -(-(4 * 4 + 1) // landscape.chunk_points())  # the grid and its centre
    assert len(checks) == live - 1
    np.testing.assert_array_equal(pieces["z"], whole["z"])


def test_a_grid_larger_than_one_chunk(net: tuple[dict, tuple[Array, Array]]) -> None:
    params, data = net
    direction = landscape.random_direction(params, jax.random.key(12))
    alphas = np.linspace(-1.0, 1.0, 3 * landscape.chunk_points() + 5)
    result = landscape.slice_1d(mlp_loss, params, direction, alphas, data)
    last = jax.tree.map(lambda w, d: w + np.float32(alphas[-1]) * d, params, direction)
    assert result["y"][-1] == pytest.approx(float(mlp_loss(last, data)), rel=1e-5)
    assert np.all(np.isfinite(result["y"]))


def test_interpolation_endpoints_equal_the_two_losses() -> None:
    a, b = mlp_params(jax.random.key(13)), mlp_params(jax.random.key(14))
    train, test = dataset(jax.random.key(15), 40), dataset(jax.random.key(16), 24)
    alphas = np.linspace(-0.5, 1.5, 9)  # includes 0 and 1
    result = landscape.interpolate(mlp_loss, a, b, alphas, {"train": train, "test": test})
    assert set(result["curves"]) == {"train", "test"}
    for name, data in (("train", train), ("test", test)):
        curve = result["curves"][name]
        assert curve.shape == (9,)
        assert curve[2] == pytest.approx(float(mlp_loss(a, data)), rel=1e-5)
        assert curve[6] == pytest.approx(float(mlp_loss(b, data)), rel=1e-5)
        start, end = result["endpoints"][name]
        assert start["matches"] and end["matches"]
    mid = jax.tree.map(lambda x, y: 0.5 * x + 0.5 * y, a, b)
    assert result["curves"]["test"][4] == pytest.approx(float(mlp_loss(mid, test)), rel=1e-5)


def test_pca_recovers_a_planar_path() -> None:
    rng = np.random.default_rng(1)
    basis, _ = np.linalg.qr(rng.normal(size=(50, 2)))  # orthonormal columns: a plane in R^50
    t = np.linspace(0.0, 1.0, 30)
    coordinates = np.stack([3.0 * (1 - t) * np.cos(4 * t), 1.5 * (1 - t) * np.sin(4 * t)], 1)
    final = rng.normal(size=50)
    snapshots = final + coordinates @ basis.T
    pca = landscape.pca_directions(snapshots, final)
    assert pca.explained_variance_ratio.sum() == pytest.approx(1.0, abs=1e-12)
    assert pca.captured == pytest.approx(1.0, abs=1e-12)
    assert pca.worst_residual < 1e-10
    np.testing.assert_allclose(pca.directions @ pca.directions.T, np.eye(2), atol=1e-12)
    # the plane is the same plane: the projection reproduces every snapshot
    np.testing.assert_allclose(final + pca.path @ pca.directions, snapshots, atol=1e-10)
    # and with a path whose two axes have different spreads, the coordinates themselves
    # are recovered up to sign (the principal axes are then the generating axes)
    axes = np.stack([4.0 * np.cos(np.linspace(0, 2 * np.pi, 40)), np.linspace(-1, 1, 40)], 1)
    axes -= axes.mean(axis=0)  # orthogonal columns, so they are the principal axes
    pca = landscape.pca_directions(final + axes @ basis.T, final)
    for k in range(2):
        sign = np.sign(pca.path[:, k] @ axes[:, k])
        np.testing.assert_allclose(sign * pca.path[:, k], axes[:, k], atol=1e-10)


def test_pca_read_in_slabs_matches_the_svd_of_the_whole_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Slab by slab (here 7 columns at a time) it is the SVD of all the differences."""
    monkeypatch.setattr(landscape, "PCA_CHUNK_BYTES", 8 * 25 * 7)
    rng = np.random.default_rng(3)
    final = rng.normal(size=500).astype(np.float32)
    steps = rng.normal(size=(25, 500)) * np.linspace(3.0, 0.1, 500)  # unequal spreads
    snapshots = (final + np.cumsum(steps, axis=0)).astype(np.float32)
    pca = landscape.pca_directions(snapshots, final)

    differences = snapshots.astype(np.float64) - final.astype(np.float64)
    _, singular, vt = np.linalg.svd(differences, full_matrices=False)
    for k in range(2):
        sign = np.sign(pca.directions[k] @ vt[k])
        np.testing.assert_allclose(sign * pca.directions[k], vt[k], atol=1e-9)
    np.testing.assert_allclose(
        pca.explained_variance_ratio, singular[:2] ** 2 / np.sum(singular**2), rtol=1e-10
    )
    np.testing.assert_allclose(pca.path, differences @ pca.directions.T, atol=1e-9)
    residuals = differences - pca.path @ pca.directions
    distances = np.linalg.norm(differences, axis=1)
    worst = np.max(np.linalg.norm(residuals, axis=1) / distances)
    assert pca.worst_residual == pytest.approx(worst, rel=1e-9)


def test_pca_reports_what_the_plane_misses() -> None:
    rng = np.random.default_rng(2)
    final = rng.normal(size=20)
    snapshots = final + rng.normal(size=(10, 20))  # a path with no plane to it
    pca = landscape.pca_directions(snapshots, final)
    assert 0.0 < pca.captured < 0.9
    assert pca.captured == pytest.approx(pca.explained_variance_ratio.sum(), rel=1e-12)
    assert 0.0 < pca.worst_residual <= 1.0


def test_pca_directions_as_pytrees_slice_the_landscape(
    net: tuple[dict, tuple[Array, Array]],
) -> None:
    params, data = net
    final = landscape.flatten(params)
    rng = np.random.default_rng(3)
    snapshots = final + rng.normal(size=(6, final.size)).astype(np.float32)
    pca = landscape.pca_directions(snapshots, final)
    d1, d2 = landscape.pca_direction_trees(params, pca)
    assert str(jax.tree.structure(d1)) == str(jax.tree.structure(params))
    assert d1["layers"][0]["w"].dtype == jnp.float32
    np.testing.assert_allclose(landscape.flatten(d2), pca.directions[1], rtol=1e-6)
    a, b = pca.path[0]
    result = landscape.slice_2d(mlp_loss, params, d1, d2, [a], [b], data)
    moved = landscape.unflatten(params, final + a * pca.directions[0] + b * pca.directions[1])
    assert result["z"][0][0] == pytest.approx(float(mlp_loss(moved, data)), rel=1e-4)


def test_new_directions_and_params_do_not_recompile(
    net: tuple[dict, tuple[Array, Array]],
) -> None:
    params, data = net
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-1, 1, 4)

    def landscape_around(seed: int) -> None:
        centre = mlp_params(jax.random.key(seed))
        d1 = landscape.random_direction(centre, jax.random.key(seed + 1))
        d2 = landscape.random_direction(centre, jax.random.key(seed + 2))
        landscape.slice_2d(mlp_loss, centre, d1, d2, alphas, betas, data)
        landscape.slice_1d(mlp_loss, centre, d1, alphas, data)

    landscape_around(20)
    with count_compiles() as log:
        landscape_around(30)
        landscape_around(40)
        # a different grid in the same bucket of chunks
        d = landscape.random_direction(params, jax.random.key(50))
        landscape.slice_1d(mlp_loss, params, d, np.linspace(-2, 2, 8), data)
    assert log.compiles == [], log.compiles
    assert log.traces == [], log.traces


def test_slice_shape_reads_curvature_and_minima_of_known_surfaces() -> None:
    from descentlab.core.nets.landscape import slice_shape

    x = np.linspace(-1.0, 1.0, 31)
    y = np.linspace(-2.0, 2.0, 41)  # other spacing along y: curvatures use each axis's own
    gx, gy = np.meshgrid(x, y)
    bowl = slice_shape(x, y, gx**2 + 3 * gy**2)
    assert bowl == {"negative_curvature": 0.0, "nonconvex_share": 0.0, "local_minima": 1}
    # A saddle curving down a quarter as much as up: the ratio is 1/4 at every point.
    saddle = slice_shape(x, y, gx**2 - 0.25 * gy**2)
    assert saddle["negative_curvature"] == pytest.approx(0.25)
    assert saddle["nonconvex_share"] == 1.0 and saddle["local_minima"] == 0
    # cos 6x · cos 6y: its minima are the points of the π/6 lattice where one cosine is 1
    # and the other −1; those inside the grid's interior, each one grid point.
    wavy = np.cos(6 * gx) * np.cos(6 * gy)
    xs, ys = np.arange(-6, 7) * np.pi / 6, np.arange(-12, 13) * np.pi / 6
    expected = sum(
        1
        for a in xs
        for b in ys
        if abs(a) < 1 - 1 / 15 and abs(b) < 2 - 1 / 10 and np.cos(6 * a) * np.cos(6 * b) < -0.99
    )
    assert slice_shape(x, y, wavy)["local_minima"] == expected > 4
    with pytest.raises(ValueError, match="3 × 3"):
        slice_shape(x[:2], y[:2], np.zeros((2, 2)))
