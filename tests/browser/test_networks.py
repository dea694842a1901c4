"""The Networks page in a real browser, against the real server: the data plot, a link, a
lesson, Train (progress bar, live and final curves, decision boundary), Cancel, the
landscape (PCA and Hessian planes), the Hessian (with its layers and eigenvector slices),
experiment cards (skip connections too), a CNN on the digits, invalid input, and an error
from the API.

Every test but one also checks that the page logged no errors and asked nothing of another
host (``watched``); the one that provokes a 422 allows exactly that failed request.
Settings stay small (100 samples, a few epochs, one hidden layer of 8) so the file runs fast.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect

from tests.browser.lab_page import (
    CHANGE_MS,
    FIRST_RESULTS_MS,
    SHOTS,
    query,
    save_shot,
    watch_experiments,
)

pytestmark = pytest.mark.browser

# 2 inputs → 8 → 2 classes: (2 + 1)·8 + (8 + 1)·2 = 42 parameters.
SMALL = "n=100&ep=6&w=8"
SMALL_PARAMETERS = 42

TRACES_JS = """(id) => (document.getElementById(id)?.data || []).map((t) => ({
    type: t.type, name: t.name, meta: t.meta ?? null, mode: t.mode ?? null,
    x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null,
    z: t.z ? t.z.length : null, text: t.text ? Array.from(t.text) : null,
}))"""

# Before a job starts: record the progress bar each time it changes, and the curves plot
# each time Plotly redraws it while the Train button is disabled (live curves).
RECORD_JS = """(jobId) => {
    const job = document.getElementById(jobId);
    const bar = job.querySelector("progress");
    window.__bar = [];
    const note = () => window.__bar.push({
        visible: !job.querySelector(".job-status").hidden,
        value: bar.hasAttribute("value") ? bar.value : null,
        label: job.querySelector(".job-label").textContent,
    });
    new MutationObserver(note).observe(job, {
        attributes: true, subtree: true, childList: true, characterData: true,
    });
    window.__live = [];
    const curves = document.getElementById("curves-plot");
    curves.on("plotly_afterplot", () => {
        const running = job.querySelector("button.run").disabled;
        if (running) window.__live.push((curves.data[0]?.x || []).length);
    });
}"""


def traces(page: Page, plot_id: str) -> list[dict[str, Any]]:
    return list(page.evaluate(TRACES_JS, plot_id))


def open_networks(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=FIRST_RESULTS_MS)
    page.wait_for_function("() => document.body.dataset.dataDrawn === 'true'", timeout=CHANGE_MS)


def test_the_page_draws_the_dataset_the_api_serves(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_networks(page, live_url + "/networks.html")
    expect(page.locator("h1")).to_have_text("Descent Lab")
    expect(page.locator("nav.pages a", has_text="Surfaces")).to_have_attribute("href", "/")
    expect(page.locator("#dataset")).to_have_value("moons")
    expect(page.locator("#parameter-count")).to_contain_text("354 parameters · 2 → 16 → 16 → 2")

    served = page.request.get(
        live_url + "/api/datasets/moons?n_samples=400&noise=0.2&seed=0"
    ).json()
    drawn = [t for t in traces(page, "data-plot") if t["type"] == "scatter"]
    assert [t["meta"] for t in drawn] == ["train", "test", "train", "test"]
    train_x = sorted(x for t in drawn if t["meta"] == "train" for x in t["x"])
    assert train_x == pytest.approx(sorted(row[0] for row in served["x_train"]))
    assert sum(len(t["x"]) for t in drawn) == 400
    class0_test = drawn[1]
    expected = [row[1] for row, y in zip(served["x_test"], served["y_test"], strict=True) if y == 0]
    assert class0_test["y"] == pytest.approx(expected)

    # Another dataset and more noise: the plot follows, and so does the URL.
    blobs = page.request.get(live_url + "/api/datasets/blobs?n_samples=400&noise=0.9&seed=0").json()
    class0 = [row[0] for row, y in zip(blobs["x_train"], blobs["y_train"], strict=True) if y == 0]
    page.select_option("#dataset", "blobs")
    page.fill("#noise", "0.9")
    # (A draw of blobs at the old noise may come first: wait for the one asked for.)
    page.wait_for_function(
        """(first) => (document.getElementById("data-plot").data || [])[0]?.x[0] === first""",
        arg=class0[0],
        timeout=CHANGE_MS,
    )
    drawn = traces(page, "data-plot")
    assert len(drawn) == 6  # 3 classes × train, test
    assert drawn[0]["x"] == pytest.approx(class0)
    page.wait_for_function("() => location.search.includes('nz=0.9')", timeout=CHANGE_MS)
    assert query(page)["d"] == "blobs"
    save_shot(page, tmp_path, "networks-data.png")


def test_a_link_restores_the_setup_and_regression_offers_only_mse(
    watched: Page, live_url: str
) -> None:
    page = watched
    url = "/networks.html?d=regression&w=32,4&act=relu&lr=0.05&bs=full&ep=12&x=normalization&zzz=1"
    open_networks(page, live_url + url)
    expect(page.locator("#widths")).to_have_value("32, 4")
    expect(page.locator("#activation")).to_have_value("relu")
    expect(page.locator("#learning-rate")).to_have_value("0.05")
    expect(page.locator("#batch-size")).to_have_value("full")
    expect(page.locator("#epochs")).to_have_value("12")
    options = page.locator("#loss option").evaluate_all("(os) => os.map((o) => o.value)")
    assert options == ["mse"]
    expect(page.locator("#tab-normalization")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#experiment-normalization")).to_be_visible()
    drawn = traces(page, "data-plot")
    assert [t["meta"] for t in drawn] == ["train", "test"]  # coloured by target, not by class
    # 2 → 32 → 4 → 1: 96 + 132 + 5
    expect(page.locator("#parameter-count")).to_contain_text("233 parameters")


def test_a_lesson_sets_the_whole_setup(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?lr=0.5&x=batch_size")
    page.select_option("#lesson-select", "spirals")
    expect(page.locator("#dataset")).to_have_value("spirals")
    expect(page.locator("#widths")).to_have_value("32, 32, 32")
    expect(page.locator("#activation")).to_have_value("relu")
    expect(page.locator("#learning-rate")).to_have_value("0.01")  # the lesson's, not the link's
    page.wait_for_function("() => location.search.includes('d=spirals')", timeout=CHANGE_MS)
    assert query(page)["x"] == "batch_size"  # the open experiment stays
    assert "lr" not in query(page)
    spirals = page.request.get(live_url + "/api/datasets/spirals?n_samples=400&noise=0.05&seed=0")
    first = spirals.json()["x_train"][0]
    page.wait_for_function(
        """(point) => (document.getElementById("data-plot").data || [])
            .some((t) => t.meta === "train"
                && t.x.some((x, i) => x === point[0] && t.y[i] === point[1]))""",
        arg=first,
        timeout=CHANGE_MS,
    )
    page.fill("#epochs", "40")
    expect(page.locator("#lesson-select")).to_have_value("")  # edited: no longer the lesson


def test_train_shows_a_progress_bar_then_curves_and_the_decision_boundary(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    expect(page.locator("#parameter-count")).to_contain_text(f"{SMALL_PARAMETERS} parameters")
    sent = watch_experiments(page).bodies
    page.evaluate(RECORD_JS, "train-job")
    train = page.locator("#train-job button.run")
    train.click()
    expect(train).to_be_disabled()
    page.wait_for_function(
        "() => document.body.dataset.trained === 'true'", timeout=FIRST_RESULTS_MS
    )
    expect(train).to_be_enabled()
    expect(page.locator("#train-job .job-status")).to_be_hidden()
    assert sent == [{"kind": "train", "params": sent[0]["params"]}]
    assert sent[0]["params"] == {
        "dataset": "moons", "n_samples": 100, "noise": 0.2, "data_seed": 0, "architecture": "mlp",
        "widths": [8], "activation": "tanh", "batch_norm": False, "loss": "cross_entropy",
        "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "epochs": 6, "seed": 0,
    }  # fmt: skip

    # The bar showed while the job ran, moved forward, and ended full.
    bar = page.evaluate("window.__bar")
    shown = [b for b in bar if b["visible"]]
    assert shown, "the progress bar never showed"
    values = [b["value"] for b in shown if b["value"] is not None]
    assert values == sorted(values)
    assert any(0 < v < 1 for v in values)
    assert values[-1] == 1

    # Final curves: 7 points (epochs 0…6) of train and test loss and accuracy.
    curves = traces(page, "curves-plot")
    assert [c["meta"] for c in curves] == [
        "train_loss", "test_loss", "train_accuracy", "test_accuracy",
    ]  # fmt: skip
    assert all(c["x"] == [0, 1, 2, 3, 4, 5, 6] for c in curves)
    assert curves[0]["y"][-1] < curves[0]["y"][0]  # training lowered the loss
    expect(page.locator("#train-summary")).to_contain_text(f"{SMALL_PARAMETERS} parameters")

    # The boundary under the points, with a slider over its 7 snapshots.
    drawn = traces(page, "data-plot")
    assert [t["type"] for t in drawn[:2]] == ["heatmap", "contour"]
    assert all(t["type"] == "scatter" for t in drawn[2:])
    expect(page.locator("#epoch-scrub")).to_be_visible()
    expect(page.locator("#epoch-slider")).to_have_attribute("max", "6")
    expect(page.locator("#epoch-label")).to_have_text("epoch 6")
    last = page.evaluate("document.getElementById('data-plot').data[0].z.map((r) => Array.from(r))")
    page.evaluate(
        """() => { const s = document.getElementById("epoch-slider"); s.value = "0";
            s.dispatchEvent(new Event("input", { bubbles: true })); }"""
    )
    expect(page.locator("#epoch-label")).to_have_text("epoch 0")
    page.wait_for_function(
        """(last) => JSON.stringify(document.getElementById("data-plot").data[0].z
            .map((r) => Array.from(r))) !== JSON.stringify(last)""",
        arg=last,
        timeout=CHANGE_MS,
    )
    save_shot(page, tmp_path, "networks-trained.png", keep=True)


# 3,000 single-sample updates per epoch, one after another: an epoch takes long enough
# to see (and to cancel) on any machine. Shared by the two tests below, so it compiles once.
SLOW = "n=4000&w=32&bs=1"


def test_the_curves_grow_while_the_network_trains(watched: Page, live_url: str) -> None:
    """The curves arrive as the job's event stream patches them (new points only); a patch
    that failed to apply would be a page error (the `watched` fixture)."""
    page = watched
    # Twelve epochs of 3,000 updates each: the page has seconds to draw partial curves
    # (with three, a fast machine finished before the first one was drawn).
    open_networks(page, f"{live_url}/networks.html?{SLOW}&ep=12")
    page.evaluate(RECORD_JS, "train-job")
    page.locator("#train-job button.run").click()
    page.wait_for_function(
        "() => document.body.dataset.trained === 'true'", timeout=FIRST_RESULTS_MS
    )
    live = page.evaluate("window.__live")  # curve points drawn while the job ran
    assert any(0 < n < 13 for n in live), f"no partial curves were drawn while training: {live}"
    assert live == sorted(live)
    assert len(traces(page, "curves-plot")[0]["x"]) == 13  # then the final curves: epochs 0…12


def test_cancel_stops_a_running_job(watched: Page, live_url: str) -> None:
    page = watched
    # 50 slow epochs: far longer than it takes to press Cancel (which takes effect at the
    # end of the epoch).
    open_networks(page, f"{live_url}/networks.html?{SLOW}&ep=50")
    sent = watch_experiments(page).bodies
    deletes: list[str] = []
    page.on("request", lambda r: deletes.append(r.url) if r.method == "DELETE" else None)
    page.locator("#train-job button.run").click()
    expect(page.locator("#train-job .job-label")).to_contain_text("Training…", timeout=CHANGE_MS)
    page.locator("#train-job button.cancel").click()
    expect(page.locator("#train-job .job-error")).to_have_text("Cancelled.", timeout=CHANGE_MS)
    expect(page.locator("#train-job button.run")).to_be_enabled()
    assert len(sent) == 1
    assert len(deletes) == 1
    assert deletes[0].startswith(live_url + "/api/experiments/")


def test_one_tabs_cancel_leaves_a_classmates_identical_run_going(
    watched: Page, browser: Browser, live_url: str, tmp_path: Path
) -> None:
    """Two tabs (each its own client id) train the very same setup: one job runs for both.
    The first tab's Cancel withdraws only its own interest: it shows Cancelled at once,
    while the other tab's run goes on (its progress still grows) until it cancels too."""
    first = watched
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        second = context.new_page()
        # Two wide layers, one sample a step, 50 epochs: over ten seconds on any machine,
        # far longer than the test needs (it cancels both tabs).
        url = f"{live_url}/networks.html?n=4000&w=256,256&bs=1&ep=50"
        open_networks(first, url)
        open_networks(second, url)
        submitted = [watch_experiments(page) for page in (first, second)]
        for page in (first, second):
            page.locator("#train-job button.run").click()
        for page in (first, second):
            expect(page.locator("#train-job .job-label")).to_contain_text(
                "Training…", timeout=CHANGE_MS
            )
        # The listeners read each response's body on their own time: wait for both.
        ids: list[str] = []
        for _ in range(CHANGE_MS // 50):
            ids = [job_id for tab in submitted for job_id in tab.ids]
            if len(ids) == 2:
                break
            first.wait_for_timeout(50)
        assert len(ids) == 2 and ids[0] == ids[1], "identical requests share one job"
        first.locator("#train-job button.cancel").click()
        expect(first.locator("#train-job .job-error")).to_have_text("Cancelled.", timeout=CHANGE_MS)
        expect(first.locator("#train-job button.run")).to_be_enabled()
        # The classmate's run goes on: its progress grows after the first tab's cancel.
        progress = "() => document.querySelector('#train-job progress').value"
        then = second.evaluate(progress)
        second.wait_for_function(f"() => ({progress})() > {then}", timeout=FIRST_RESULTS_MS)
        expect(second.locator("#train-job button.run")).to_be_disabled()
        expect(second.locator("#train-job .job-error")).to_be_hidden()
        for page, name in ((first, "withdrew"), (second, "still-training")):
            page.locator("#train-job").scroll_into_view_if_needed()
            save_shot(page, tmp_path, f"networks-shared-job-{name}.png", keep=True)
        second.locator("#train-job button.cancel").click()  # the last one: now it stops
        expect(second.locator("#train-job .job-error")).to_have_text(
            "Cancelled.", timeout=CHANGE_MS
        )
    finally:
        context.close()


def test_landscape_draws_a_contour_with_the_path(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}&res=9")
    sent = watch_experiments(page).bodies
    page.locator("#landscape-job button.run").click()
    expect(page.locator("#landscape-notes li")).to_have_count(2, timeout=FIRST_RESULTS_MS)
    assert sent[0]["kind"] == "landscape"
    assert {k: v for k, v in sent[0]["params"].items() if k != "setup"} == {
        "directions": "pca", "resolution": 9, "span": 1, "margin": 0.25,
    }  # fmt: skip
    drawn = traces(page, "landscape-plot")
    contour, path = drawn[0], drawn[1]
    assert contour["type"] == "contour"
    assert (len(contour["x"]), contour["z"]) == (9, 9)
    assert path["name"] == "training path"
    assert len(path["x"]) == 7  # epochs 0…6
    assert (path["x"][-1], path["y"][-1]) == pytest.approx((0, 0), abs=1e-6)  # ends at the centre
    assert "epoch 0" in path["text"]
    assert "epoch 6" in path["text"]
    expect(page.locator("#landscape-notes")).to_contain_text("the plane captures")
    expect(page.locator("#landscape-notes")).to_contain_text("they match ✓")
    save_shot(page, tmp_path, "networks-landscape.png", keep=True)

    page.check("input[name=landscape-view][value=surface3d]")
    page.wait_for_function(
        "() => document.getElementById('landscape-plot').data[0].type === 'surface'",
        timeout=CHANGE_MS,
    )
    assert len(sent) == 1  # the view changed without another job
    page.wait_for_function("() => location.search.includes('lv=surface3d')", timeout=CHANGE_MS)

    # The plane of the Hessian's top two eigenvectors: a span (in unit steps), no margin,
    # and the two eigenvalues on the axes and in the notes.
    page.check("input[name=landscape-view][value=contour]")
    page.select_option("#directions", "hessian")
    expect(page.locator("#span")).to_be_visible()
    expect(page.locator("#margin")).to_be_hidden()
    page.locator("#landscape-job button.run").click()
    notes = page.locator("#landscape-notes")
    expect(notes).to_contain_text("Hessian's top two eigenvectors, λ₁ =", timeout=FIRST_RESULTS_MS)
    assert sent[1]["params"]["directions"] == "hessian"
    title = page.evaluate("document.getElementById('landscape-plot').layout.xaxis.title.text")
    assert title.startswith("eigenvector 1 (λ₁ = ")
    page.wait_for_function("() => location.search.includes('dir=hessian')", timeout=CHANGE_MS)
    page.locator("#landscape-panel").scroll_into_view_if_needed()
    save_shot(page, tmp_path, "networks-landscape-hessian.png", keep=True)


def test_hessian_shows_the_density_spectrum_and_numbers(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}&it=16&pr=2&k=3")
    page.locator("#hessian-job button.run").click()
    expect(page.locator("#hessian-table tr").first).to_be_visible(timeout=FIRST_RESULTS_MS)
    density = traces(page, "density-plot")
    assert density[0]["name"] == "density"
    assert len(density[0]["x"]) > 10
    assert all(y > 0 for y in density[0]["y"])  # drawable on the log axis
    assert len(density[1]["x"]) == 3  # the top 3 eigenvalues, marked
    assert page.evaluate("document.getElementById('density-plot').layout.yaxis.type") == "log"
    spectrum = traces(page, "spectrum-plot")
    assert spectrum[0]["type"] == "histogram"
    assert len(spectrum[0]["x"]) == SMALL_PARAMETERS  # every eigenvalue
    rows = dict(
        page.locator("#hessian-table tr").evaluate_all(
            "(rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])"
        )
    )
    assert rows["parameters"] == str(SMALL_PARAMETERS)
    assert len(rows["top eigenvalues"].split(", ")) == 3
    assert rows["minimum ratio"].endswith(f"of {SMALL_PARAMETERS}")
    # Each layer's own block: 2 → 8 (24 parameters) and 8 → 2 (18), two bars each.
    layers = traces(page, "layers-plot")
    assert [t["name"] for t in layers] == ["top eigenvalue", "trace (Hutchinson)"]
    assert layers[0]["y"] == ["layer 1 (2 → 8)", "layer 2 (8 → 2)"]
    cells = page.locator("#layers-table tbody tr").evaluate_all(
        "(rows) => rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])"
    )
    assert cells == [["layer 1 (2 → 8)", "24"], ["layer 2 (8 → 2)", "18"]]
    # The loss along the top eigenvector and a random direction, 41 steps from −0.5 to 0.5.
    slices = traces(page, "slices-plot")
    assert [t["name"] for t in slices] == ["top eigenvector", "random direction"]
    assert len(slices[0]["x"]) == 41
    assert (slices[0]["x"][0], slices[0]["x"][-1]) == pytest.approx((-0.5, 0.5))
    page.locator("#hessian-output").scroll_into_view_if_needed()
    save_shot(page, tmp_path, "networks-hessian.png", keep=True)


def test_the_loss_comparison_card_draws_both_surfaces(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    open_networks(page, live_url + "/networks.html?x=loss_comparison")
    card = page.locator("#experiment-loss_comparison")
    expect(card).to_be_visible()
    expect(card.locator(".lesson-text")).to_contain_text("Cross-entropy keeps a slope there")
    card.locator("input[name=steps]").fill("60")
    sent = watch_experiments(page).bodies
    card.locator("button.run").click()
    expect(card).to_have_attribute("data-drawn", "true", timeout=FIRST_RESULTS_MS)
    # The card's fields, shown with the API's defaults (GET /api/experiments/kinds); the
    # API fills in the rest.
    assert sent == [
        {"kind": "loss_comparison", "params": {"learning_rate": 1, "steps": 60, "y3": -20}}
    ]
    for loss in ("cross_entropy", "mse"):
        drawn = traces(page, f"loss-comparison-{loss}")
        assert drawn[0]["type"] == "contour"
        assert drawn[0]["z"] == 101
        assert len(drawn[1]["x"]) == 61  # the path: start and 60 steps
        assert (drawn[1]["x"][0], drawn[1]["y"][0]) == (-8, 8)
    curves = traces(page, "loss-comparison-curves")
    assert [c["name"] for c in curves] == ["Cross-entropy", "MSE"]
    assert curves[1]["y"][-1] > 1.9  # MSE stalls on the plateau
    assert curves[0]["y"][-1] < 0.1  # cross-entropy descends
    expect(card.locator(".note")).to_contain_text("MSE ends at")
    card.screenshot(path=str(tmp_path / "networks-loss-comparison.png"))


def test_invalid_input_shows_an_error_and_sends_nothing(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    sent = watch_experiments(page).bodies
    page.fill("#widths", "abc")
    expect(page.locator("#widths")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#setup-errors")).to_contain_text("widths: “abc” is not a width")
    page.locator("#train-job button.run").click()
    expect(page.locator("#train-job .job-error")).to_contain_text("Nothing sent")
    page.locator("#hessian-job button.run").click()
    expect(page.locator("#hessian-job .job-error")).to_contain_text("widths")

    page.fill("#widths", "8")
    page.fill("#learning-rate", "0")
    expect(page.locator("#setup-errors")).to_have_text(
        "learning rate must be above 0 and at most 10"
    )
    page.locator("#landscape-job button.run").click()
    expect(page.locator("#landscape-job .job-error")).to_contain_text(
        "learning rate must be above 0"
    )

    page.fill("#learning-rate", "0.01")
    page.fill("#n-samples", "4000")
    page.fill("#epochs", "60")
    page.locator("#train-job button.run").click()
    expect(page.locator("#train-job .job-error")).to_contain_text("samples × epochs")
    expect(page.locator("#setup-errors")).to_be_hidden()
    assert sent == []


def test_an_error_from_the_api_is_shown_next_to_the_button(page: Page, live_url: str) -> None:
    """The real server's 422 for a request the page would never send (epochs 501, put in
    on the way), shown as its problem+json detail; the page logs only that failed request."""
    logged: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            logged.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: logged.append(error.message))

    def tamper(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["params"]["epochs"] = 501
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/experiments", tamper)
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    page.locator("#train-job button.run").click()
    error = page.locator("#train-job .job-error")
    expect(error).to_contain_text("params.epochs")
    expect(error).to_contain_text("500")
    expect(page.locator("#train-job button.run")).to_be_enabled()
    expect(page.locator("#train-job .job-status")).to_be_hidden()
    assert len(logged) == 1
    assert "422" in logged[0]


def test_the_experiment_tabs_move_with_the_arrow_keys(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, live_url + "/networks.html")
    tabs = page.locator("#experiment-tabs [role=tab]")
    kinds = [(tab.get_attribute("id") or "").removeprefix("tab-") for tab in tabs.all()]
    assert len(kinds) == 5
    expect(page.locator("#experiment-tabs")).to_have_attribute("role", "tablist")

    def expect_selected(kind: str) -> None:
        selected = page.locator(f"#tab-{kind}")
        expect(selected).to_have_attribute("aria-selected", "true")
        expect(selected).to_be_focused()
        expect(page.locator(f"#experiment-{kind}")).to_be_visible()
        # A roving tabindex: Tab reaches the selected tab only, the others by the arrows.
        assert [t.get_attribute("tabindex") for t in tabs.all()] == [
            "0" if k == kind else "-1" for k in kinds
        ]
        for other in kinds:
            if other != kind:
                expect(page.locator(f"#experiment-{other}")).to_be_hidden()

    # From the panel above, Tab reaches the tab list at its selected tab.
    selected = page.locator("#experiment-tabs [aria-selected=true]").get_attribute("id") or ""
    start = kinds.index(selected.removeprefix("tab-"))
    page.locator("#hessian-job button.run").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('role')") == "tab":
            break
    expect_selected(kinds[start])
    page.keyboard.press("ArrowRight")
    expect_selected(kinds[(start + 1) % len(kinds)])
    page.keyboard.press("ArrowLeft")
    expect_selected(kinds[start])
    page.keyboard.press("End")
    expect_selected(kinds[-1])
    page.keyboard.press("ArrowRight")  # wraps around
    expect_selected(kinds[0])
    page.keyboard.press("ArrowLeft")
    expect_selected(kinds[-1])
    page.keyboard.press("Home")
    expect_selected(kinds[0])
    page.wait_for_function(f"() => location.search.includes('x={kinds[0]}')", timeout=CHANGE_MS)
    # Tab leaves the tab list for the open card's controls, not the next tab.
    page.keyboard.press("Tab")
    assert (
        page.evaluate("() => document.activeElement.closest('[role=tabpanel]')?.id")
        == f"experiment-{kinds[0]}"
    )


LEGEND_OVERLAPS_JS = """(card) => [...card.querySelectorAll('.js-plotly-plot')].flatMap((plot) => {
    const legend = plot.querySelector('.legend .bg');
    if (!legend) return [];
    const a = plot.querySelector('.nsewdrag').getBoundingClientRect();
    const b = legend.getBoundingClientRect();
    const hit = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [{id: plot.id, hit, inside: b.bottom <= plot.getBoundingClientRect().bottom + 1}];
})"""


def test_a_network_lesson_runs_on_open_and_shows_the_settings_it_ran(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    body = page.request.get(live_url + "/api/lessons/batch-norm").json()
    experiment = body["scenario"]["experiment"]
    sent = watch_experiments(page).bodies
    open_networks(page, live_url + body["url"])
    card = page.locator("#experiment-normalization")
    # No click: the lesson's experiment starts as the lesson opens, with the lesson's params.
    expect(card).to_have_attribute("data-drawn", "true", timeout=FIRST_RESULTS_MS)
    assert sent == [experiment]
    # The settings shown are the ones that ran: its learning rates and both batch-norm
    # settings, not the setup form's single η (a Train setting the experiment replaces).
    settings = page.locator("#lesson-text .lesson-settings")
    expect(settings).to_contain_text("learning rates η 0.1, 3")
    expect(settings).to_contain_text("batch norm with and without")
    expect(settings).not_to_contain_text("learning rate η 0.01")
    assert experiment["params"]["learning_rates"] == [0.1, 3.0]
    expect(page.locator("#learning-rate")).to_have_value("0.1")  # one η that ran
    # Every legend lies outside its plot area (six entries once covered the curves).
    legends = page.evaluate(LEGEND_OVERLAPS_JS, card.element_handle())
    assert {entry["id"] for entry in legends} >= {"normalization-bn-curves"}
    assert [entry for entry in legends if entry["hit"] or not entry["inside"]] == []
    card.screenshot(path=str(tmp_path / "networks-lesson-normalization.png"))


HOSTILE_CSV = "sepal <b>len</b>,<img src=x onerror=alert(1)>,kind\n" + "".join(
    f"{(i * 7) % 10 / 2:.1f},{(i * 3) % 8 / 2:.1f},{'<i>tall</i>' if i % 3 else 'short'}\n"
    for i in range(60)
)


def test_an_uploaded_csv_is_shown_selected_trained_and_its_errors_named(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    """A learner's own table: the page uploads it, says what was read, draws it, puts it in
    the menu under its own name (markup stays text), trains on it, and keeps it in the link;
    a table with a bad cell gets the server's message naming the row and column."""
    logged: list[str] = []
    page.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: logged.append(error.message))
    page.on("dialog", lambda dialog: logged.append(f"dialog: {dialog.message}"))
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    mine = tmp_path / "my flowers.csv"
    mine.write_text(HOSTILE_CSV, encoding="utf-8")
    page.set_input_files("#csv-file", str(mine))
    status = page.locator("#csv-status")
    expect(status).to_contain_text("Read 60 rows (45 train, 15 test): 2 features")
    expect(status).to_contain_text("sepal <b>len</b>")  # the name as written, as text
    expect(status).to_contain_text("2 classes (<i>tall</i>, short)")
    upload_id = page.locator("#dataset").input_value()
    assert upload_id.startswith("csv-")
    selected = page.locator("#dataset option:checked")
    expect(selected).to_have_text("my flowers.csv")
    assert page.locator("#csv-status b, #csv-status img, #setup img").count() == 0
    page.wait_for_function(
        "() => (document.getElementById('data-plot').data || [])"
        ".reduce((n, t) => n + (t.x ? t.x.length : 0), 0) === 60",
        timeout=CHANGE_MS,
    )
    expect(page.locator("#n-samples")).to_be_disabled()  # its size is what it is
    page.wait_for_function(
        "(id) => new URLSearchParams(location.search).get('d') === id",
        arg=upload_id,
        timeout=CHANGE_MS,
    )
    save_shot(page, tmp_path, "networks-upload.png", keep=True)

    sent = watch_experiments(page).bodies
    page.locator("#train-job button.run").click()
    expect(page.locator("#train-job button.run")).to_be_enabled(timeout=FIRST_RESULTS_MS)
    assert sent[0]["params"]["dataset"] == upload_id
    expect(page.locator("#train-job .job-error")).to_be_hidden()

    # The link brings the table back while the server keeps it.
    link = page.url
    page.goto("about:blank")
    open_networks(page, link)
    expect(page.locator("#dataset")).to_have_value(upload_id)
    expect(page.locator("#dataset option:checked")).to_have_text("my flowers.csv")

    broken = tmp_path / "broken.csv"
    broken.write_text("a,b,y\n1,2,x\n3,four,y\n5,6,x\n7,8,y\n9,10,x\n", encoding="utf-8")
    page.set_input_files("#csv-file", str(broken))
    error = page.locator("#csv-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("broken.csv: row 3, column 2 ('b'): 'four' is not a number")
    expect(page.locator("#dataset")).to_have_value(upload_id)  # the good table stays chosen
    assert [text for text in logged if "422" not in text] == []  # only the refused upload
    assert len(logged) == 1


def test_choosing_a_cnn_moves_to_the_digits_and_trains_one(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    """A CNN reads images: choosing it on the moons moves to the digits (the tables greyed
    in the menu), shows depth, channels and skips in place of widths and batch norm, checks
    that the depth is even, and sends a CNN setup without the MLP's fields."""
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    page.select_option("#architecture", "cnn")
    expect(page.locator("#dataset")).to_have_value("digits")
    expect(page.locator("#widths")).to_be_hidden()
    expect(page.locator("#batch-norm")).to_be_hidden()
    expect(page.locator("#depth")).to_have_value("8")
    expect(page.locator("#skip-connections")).to_be_checked()
    expect(page.locator("#parameter-count")).to_contain_text("3,674 parameters · 8×8×1 image")
    assert page.locator("#dataset option[value=moons]").is_disabled()
    assert page.locator("#dataset option[value=digits]").is_enabled()
    page.wait_for_function(
        "() => location.search.includes('arch=cnn') && location.search.includes('d=digits')",
        timeout=CHANGE_MS,
    )

    page.fill("#depth", "5")
    expect(page.locator("#depth")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#setup-errors")).to_have_text("depth must be even")
    page.fill("#depth", "4")
    page.fill("#channels", "2")
    page.fill("#epochs", "1")
    page.locator("#skip-connections").uncheck()
    expect(page.locator("#setup-errors")).to_be_hidden()
    expect(page.locator("#parameter-count")).to_contain_text("126 parameters")
    expect(page.locator("#parameter-count")).to_contain_text("without skips")

    sent = watch_experiments(page).bodies
    page.locator("#train-job button.run").click()
    page.wait_for_function(
        "() => document.body.dataset.trained === 'true'", timeout=FIRST_RESULTS_MS
    )
    expect(page.locator("#train-job .job-error")).to_be_hidden()
    params = sent[0]["params"]
    assert {k: params[k] for k in ("dataset", "architecture", "depth", "channels")} == {
        "dataset": "digits", "architecture": "cnn", "depth": 4, "channels": 2,
    }  # fmt: skip
    assert params["skip_connections"] is False
    assert "widths" not in params and "batch_norm" not in params
    expect(page.locator("#train-summary")).to_contain_text("126 parameters")
    save_shot(page, tmp_path, "networks-cnn.png", keep=True)

    page.select_option("#architecture", "mlp")  # back to the tables
    expect(page.locator("#widths")).to_be_visible()
    assert page.locator("#dataset option[value=moons]").is_enabled()


# What the skip-connections card sends, shrunk on the way to seconds of work (the card
# itself offers only seeds and depth; the API's defaults take ~45 s).
TINY_SKIPS = {
    "setup": {"channels": 2, "epochs": 1},
    "resolution": 5,
    "slice_samples": 32,
    "iterations": 8,
}

SKIP_CONTOURS_JS = """() => [...document.querySelectorAll(
        '#experiment-skip_connections .js-plotly-plot')]
    .filter((plot) => plot.data[0]?.type === 'contour')
    .map((plot) => {
        const c = plot.data[0];
        return {id: plot.id, zmin: c.zmin, zmax: c.zmax, contours: c.contours,
                autocontour: c.autocontour, rows: c.z.length,
                box: plot.getBoundingClientRect().toJSON()};
    })"""


def test_the_skip_connections_card_draws_both_slices_on_one_colour_scale(
    watched: Page, live_url: str
) -> None:
    page = watched
    page.set_viewport_size({"width": 1400, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shrink(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("kind") == "skip_connections":
            params = body["params"]
            params["setup"] = {**params.get("setup", {}), **TINY_SKIPS["setup"]}
            params.update({k: v for k, v in TINY_SKIPS.items() if k != "setup"})
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/experiments", shrink)
    open_networks(page, live_url + "/networks.html?x=skip_connections")
    card = page.locator("#experiment-skip_connections")
    expect(card).to_be_visible()
    expect(card.locator(".lesson-section")).to_have_text(
        "Curriculum 6. Normalization changes the landscape"
    )
    expect(card.locator("input[name=seeds]")).to_have_value("1")
    expect(card.locator("input[name='setup.depth']")).to_have_value("20")
    card.locator("input[name='setup.depth']").fill("5")
    sent = watch_experiments(page).bodies
    card.locator("button.run").click()
    expect(card.locator(".job-error")).to_contain_text("depth must be even")
    card.locator("input[name='setup.depth']").fill("4")
    card.locator("button.run").click()
    expect(card).to_have_attribute("data-drawn", "true", timeout=FIRST_RESULTS_MS)
    # The card's fields as the page sends them (shrunk only on the way to the server).
    assert sent == [{"kind": "skip_connections", "params": {"seeds": 1, "setup": {"depth": 4}}}]

    contours = page.evaluate(SKIP_CONTOURS_JS)
    assert [c["id"] for c in contours] == [
        "skip-connections-seed0-with", "skip-connections-seed0-without",
    ]  # fmt: skip
    with_skips, without = contours
    assert with_skips["rows"] == without["rows"] == 5
    for key in ("zmin", "zmax", "contours"):
        assert with_skips[key] == without[key], key  # one colour scale
    assert with_skips["autocontour"] is False
    assert with_skips["zmin"] < with_skips["zmax"]
    # Side by side at this width: the same row, the second to the right of the first.
    assert abs(with_skips["box"]["top"] - without["box"]["top"]) < 2
    assert without["box"]["left"] > with_skips["box"]["right"] - 2
    curves = traces(page, "skip-connections-curves")
    assert len(curves) == 4  # train and test, with and without
    rows = card.locator(".results-table tbody tr")
    expect(rows).to_have_count(2)
    expect(card.locator(".note").nth(1)).to_contain_text("with skip connections was smoother")
    expect(card.locator(".note").nth(1)).to_contain_text("of 1")
    legends = page.evaluate(LEGEND_OVERLAPS_JS, card.element_handle())
    assert [entry for entry in legends if entry["hit"] or not entry["inside"]] == []
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(SHOTS / "networks-skip-connections-1400.png"))

    # A phone: the slices stack, and nothing makes the page scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    boxes = page.evaluate(SKIP_CONTOURS_JS)
    assert boxes[1]["box"]["top"] >= boxes[0]["box"]["bottom"] - 2
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    card.screenshot(path=str(SHOTS / "networks-skip-connections-390.png"))


# --- Live training (TensorFlow Playground's Play), its setup controls, the network diagram --

LIVE_PATH = "/api/live/steps"


def live_calls(page: Page) -> list[dict[str, Any]]:
    """Every POST /api/live/steps body the page sends from now on (a live list)."""
    sent: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(LIVE_PATH):
            sent.append(json.loads(request.post_data or "{}"))

    page.on("request", record)
    return sent


def live_epoch(page: Page) -> float:
    """The epoch the live counter shows ("epoch 3 · 30 updates of batch 32")."""
    text = page.text_content("#live-epoch") or ""
    return float(text.split()[1])


def wait_epoch(page: Page, at_least: float) -> None:
    page.wait_for_function(
        "(n) => Number((document.getElementById('live-epoch').textContent || '')"
        ".split(' ')[1].replace(',', '')) >= n",
        arg=at_least,
        timeout=FIRST_RESULTS_MS,
    )


def curve_points(page: Page) -> int:
    """How many epochs the curves plot's train-loss line has."""
    loss = [t for t in traces(page, "curves-plot") if t["meta"] == "train_loss"]
    return len(loss[0]["x"]) if loss else 0


def pause(page: Page) -> None:
    """Pause, and wait for the request in flight (if any) to be answered and drawn."""
    page.click("#live-play")
    expect(page.locator("#live-play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(600)


def test_play_trains_live_and_pause_stops_the_requests(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    sent = live_calls(page)
    play = page.locator("#live-play")
    expect(play).to_have_attribute("aria-pressed", "false")
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    expect(play).to_have_text("❚❚ Pause")
    expect(page.locator("#live-step")).to_be_disabled()
    wait_epoch(page, 3)
    # The curves grow, one point a frame, from epoch 0.
    page.wait_for_function(
        "() => Number(document.getElementById('curves-plot').dataset.frames) >= 4"
    )
    grown = curve_points(page)
    assert grown >= 4
    wait_epoch(page, live_epoch(page) + 2)
    # (Drawing is paced, at most ten plots a second: the plot follows the counter.)
    page.wait_for_function(
        "(n) => Number(document.getElementById('curves-plot').dataset.frames) > n", arg=grown
    )
    assert curve_points(page) > grown
    loss = next(t for t in traces(page, "curves-plot") if t["meta"] == "train_loss")
    assert loss["x"][0] == 0
    assert loss["x"] == sorted(loss["x"])
    # The first call starts from the initial weights and only looks; every later one
    # carries the previous state and one epoch of updates (the default speed).
    assert sent[0]["state"] is None and sent[0]["updates"] == 0
    assert all(body["state"] is not None and body["updates"] > 0 for body in sent[1:])
    assert len({body["updates"] for body in sent[1:]}) == 1
    # The boundary of the live run lies under the data.
    assert any(t["type"] == "heatmap" for t in traces(page, "data-plot"))

    pause(page)
    expect(page.locator("#live-step")).to_be_enabled()
    stopped_at, calls = live_epoch(page), len(sent)
    page.wait_for_timeout(1000)
    assert len(sent) == calls, "no request after Pause"
    assert live_epoch(page) == stopped_at
    # Playing again goes on from there, not from the start.
    play.click()
    wait_epoch(page, stopped_at + 1)
    pause(page)
    assert all(body["state"] is not None for body in sent[calls:])


def test_step_trains_exactly_one_epoch_or_one_batch(watched: Page, live_url: str) -> None:
    """Step trains one frame at the chosen speed: an epoch by default, one batch at "1
    update"."""
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    sent = live_calls(page)
    step = page.locator("#live-step")
    step.click()
    expect(page.locator("#live-epoch")).to_contain_text("epoch 1 ·")
    step.click()
    expect(page.locator("#live-epoch")).to_contain_text("epoch 2 ·")
    page.wait_for_timeout(500)
    assert live_epoch(page) == 2
    assert [body["updates"] for body in sent][:1] == [0]
    per_epoch = sent[1]["updates"]
    assert per_epoch >= 1
    assert [body["updates"] for body in sent[1:]] == [per_epoch, per_epoch]
    assert curve_points(page) == 3  # epochs 0, 1, 2
    page.select_option("#live-speed", "1u")
    step.click()
    expect(page.locator("#live-epoch")).to_contain_text(f"{2 * per_epoch + 1} updates")
    assert sent[-1]["updates"] == 1


def test_a_new_learning_rate_applies_while_playing_and_a_feature_resets(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    sent = live_calls(page)
    page.click("#live-play")
    wait_epoch(page, 2)
    before = len(sent)
    page.fill("#learning-rate", "0.05")
    wait_epoch(page, live_epoch(page) + 2)
    after = sent[before:]
    assert any(body["setup"]["learning_rate"] == 0.05 for body in after)
    assert all(body["state"] is not None for body in after), "the learning rate kept the run"
    expect(page.locator("#live-play")).to_have_attribute("aria-pressed", "true")
    pause(page)
    assert live_epoch(page) >= 4

    # An input feature is another network: the run starts again, paused, at epoch 0, and
    # shows the new network's first picture (three inputs in the diagram).
    calls = len(sent)
    page.locator("#input-features label", has_text="x₁²").click()
    expect(page.locator("#live-epoch")).to_contain_text("epoch 0 ·")
    expect(page.locator("#live-play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(
        "() => document.getElementById('network-diagram').dataset.units === '13'"
    )
    look = sent[calls]
    assert look["state"] is None and look["updates"] == 0
    assert look["setup"]["features"] == ["x1", "x2", "x1_squared"]
    assert curve_points(page) == 1
    expect(page.locator("#parameter-count")).to_contain_text("3 → 8 → 2")
    page.wait_for_function("() => location.search.includes('ft=x1%2Cx2%2Cx1_squared')")


def test_the_network_diagram_draws_units_and_links(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    expect(page.locator("#network-message")).to_contain_text("Press Play or Step")
    page.click("#live-step")
    expect(page.locator("#live-epoch")).to_contain_text("epoch 1 ·")
    diagram = page.locator("#network-diagram")
    expect(diagram.locator(".unit")).to_have_count(2 + 8 + 2)
    expect(diagram.locator("svg line")).to_have_count(2 * 8 + 8 * 2)
    # Links by weight: both colours, widths that differ.
    strokes = diagram.locator("svg line").evaluate_all(
        "(lines) => lines.map((l) => [l.getAttribute('stroke'),"
        " Number(l.getAttribute('stroke-width')), Number(l.dataset.weight)])"
    )
    for color, _, weight in strokes:
        assert color == ("#0072B2" if weight >= 0 else "#E69F00")
    by_size = sorted(strokes, key=lambda s: abs(s[2]))
    assert by_size[-1][1] > by_size[0][1]
    # Every thumbnail is painted (not blank white), the inputs labelled by the API's labels.
    painted = diagram.locator(".unit canvas").evaluate_all(
        """(canvases) => canvases.map((c) => {
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let coloured = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 2] < 250) coloured++;
            return [c.width, coloured];
        })"""
    )
    assert len({width for width, _ in painted}) == 1 and painted[0][0] >= 8  # the API's grid
    assert sum(coloured > 0 for _, coloured in painted) >= len(painted) - 2
    expect(diagram.locator(".feature-name")).to_have_text(["x₁", "x₂"])
    # Focus (the keyboard) or hover shows a unit large, with its name.
    diagram.locator(".unit").nth(3).focus()
    expect(page.locator("#unit-detail")).to_be_visible()
    expect(page.locator("#unit-detail .unit-caption")).to_contain_text("hidden 1")
    diagram.locator(".unit").last.hover()
    expect(page.locator("#unit-detail .unit-caption")).to_contain_text("output")

    # A layer wider than the diagram draws: no diagram, and why.
    page.fill("#widths", "32")
    page.click("#live-step")
    expect(page.locator("#live-epoch")).to_contain_text("epoch 1 ·")
    expect(page.locator("#network-message")).to_contain_text("at most 16 neurons")
    expect(diagram.locator(".unit")).to_have_count(0)


def test_play_and_step_work_from_the_keyboard(watched: Page, live_url: str) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}")
    page.focus("#train-job button.run")
    page.keyboard.press("Tab")
    play = page.locator("#live-play")
    expect(play).to_be_focused()
    outline = play.evaluate("(b) => getComputedStyle(b).outlineStyle")
    assert outline != "none", "a visible focus ring"
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "true")
    wait_epoch(page, 2)
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(600)
    paused_at = live_epoch(page)
    page.keyboard.press("Tab")
    expect(page.locator("#live-step")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(n) => Number(document.getElementById('live-epoch').textContent.split(' ')[1]) >= n",
        arg=paused_at + 1,
    )
    page.wait_for_timeout(400)
    assert live_epoch(page) == pytest.approx(paused_at + 1)


def test_the_playground_setup_controls_follow_the_url_and_reach_the_request(
    watched: Page, live_url: str
) -> None:
    page = watched
    open_networks(page, f"{live_url}/networks.html?{SMALL}&ft=x1,sin_x1&rg=l2&rr=0.03&ts=0.5")
    boxes = page.locator("#input-features input")
    expect(boxes).to_have_count(7)
    labels = page.locator("#input-features label").all_text_contents()
    served = page.request.get(live_url + "/api/features").json()
    assert labels == [f["label"] for f in served]
    assert [b.is_checked() for b in boxes.all()] == [True, False, False, False, False, True, False]
    expect(page.locator("#regularization")).to_have_value("l2")
    expect(page.locator("#regularization-rate")).to_have_value("0.03")
    expect(page.locator("#test-fraction-value")).to_have_text("50 % test")
    expect(page.locator("#data-caption")).to_contain_text("50 train (filled) · 50 test")
    expect(page.locator("#parameter-count")).to_contain_text("2 → 8 → 2")

    # At least one input stays on.
    page.locator("#input-features label", has_text="sin(x₁)").click()
    assert [b.is_checked() for b in boxes.all()][:1] == [True]
    expect(boxes.nth(0)).to_be_disabled()

    # The sliders set the split and the noise; Regenerate draws a new data seed.
    page.locator("#test-fraction").fill("0.2")
    expect(page.locator("#data-caption")).to_contain_text("80 train (filled) · 20 test")
    page.locator("#noise-slider").fill("0.5")
    expect(page.locator("#noise")).to_have_value("0.5")
    page.click("#regenerate")
    page.wait_for_function("() => new URLSearchParams(location.search).has('ds')")
    seed = int(query(page)["ds"])
    expect(page.locator("#data-seed")).to_have_value(str(seed))

    sent = watch_experiments(page).bodies
    page.locator("#train-job button.run").click()
    page.wait_for_function(
        "() => document.body.dataset.trained === 'true'", timeout=FIRST_RESULTS_MS
    )
    setup = sent[0]["params"]
    assert setup["features"] == ["x1"]
    assert (setup["regularization"], setup["regularization_rate"]) == ("l2", 0.03)
    assert setup["test_fraction"] == 0.2
    assert (setup["noise"], setup["data_seed"]) == (0.5, seed)

    # Off the plane (iris) the toggles give way to a note, and the request has no features.
    page.select_option("#dataset", "iris")
    expect(page.locator("#input-features-field")).to_be_hidden()
    expect(page.locator("#input-features-hint")).to_contain_text("4 columns")


def test_live_screenshots_at_desktop_and_phone_sizes(browser: Browser, live_url: str) -> None:
    """The live run at 1400 px and on a 390 px touch phone: nothing widens the page."""
    for name, options in [
        ("desktop", {"viewport": {"width": 1400, "height": 1000}}),
        (
            "phone",
            {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
        ),
    ]:
        context = browser.new_context(**options)  # type: ignore[arg-type]
        page = context.new_page()
        open_networks(page, f"{live_url}/networks.html?ft=x1,x2,x1_squared,x2_squared&w=8,4")
        page.click("#live-play")
        wait_epoch(page, 5)
        pause(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= options["viewport"]["width"], f"{name}: the page is {width} px wide"  # type: ignore[index]
        if name == "phone":
            size = page.locator("#live-play").bounding_box()
            assert size is not None and size["height"] >= 44 and size["width"] >= 44
        page.locator("#network-diagram .unit").nth(5).hover()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"networks-live-{name}.png"), full_page=True)
        for element in ["#setup", "#network-panel", "#results .pair"]:
            page.locator(element).screenshot(
                path=str(SHOTS / f"networks-live-{name}-{element.split()[-1].strip('#.')}.png")
            )
        context.close()


def test_a_recorded_live_run_replays_in_the_standalone_page(
    browser: Browser, live_url: str, tmp_path: Path
) -> None:
    """The page exports a live run: it sends the run's first setup and its segments (a new
    one where the learning rate changed while it played), the server replays them into
    the standalone network page (60 frames, the curves), which plays offline; the replay
    ends where the page's run ended, at the same training loss to the last digit."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    open_networks(page, f"{live_url}/networks.html?n=100&ep=6&w=4&rg=l2&rr=0.01")
    expect(page.locator("#live-save")).to_be_disabled()
    page.click("#live-play")
    wait_epoch(page, 30)
    page.fill("#learning-rate", "0.003")  # while it plays: a new segment
    wait_epoch(page, 70)
    pause(page)
    page_loss = page.evaluate(
        "() => document.getElementById('curves-plot').data"
        ".find((t) => t.name === 'train loss').y.at(-1)"
    )
    with page.expect_request("**/api/export/network") as sent, page.expect_download() as download:
        page.click("#live-save")
    body = sent.value.post_data_json
    html = Path(download.value.path()).read_text(encoding="utf-8")
    context.close()
    rates = [segment["learning_rate"] for segment in body["segments"]]
    assert rates[0] == 0.01 and rates[-1] == 0.003
    assert all(
        s["regularization"] == "l2" and s["regularization_rate"] == 0.01 for s in body["segments"]
    )
    assert "learning_rate" not in body["setup"] or body["setup"]["learning_rate"] == 0.01
    inlined = re.search(
        r'<script type="application/json" id="descentlab-export">(.*?)</script>', html, re.S
    )
    assert inlined is not None
    live = json.loads(inlined.group(1))["live"]
    frames = live["frames"]
    assert len(frames) == 60
    assert frames[0]["epoch"] == 0 and frames[-1]["epoch"] == live["history"]["epoch"][-1]
    assert live["history"]["epoch"][-1] == sum(s["updates"] for s in body["segments"]) / 3
    assert live["history"]["train_loss"][-1] == page_loss  # the same run, exactly
    assert live["setup"]["regularization"] == "l2"

    file = tmp_path / "live-run.html"
    file.write_text(html, encoding="utf-8")
    offline = browser.new_context(viewport={"width": 1400, "height": 1000})
    left: list[str] = []
    offline.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (left.append(route.request.url), route.abort())
        ),
    )
    page = offline.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(file.as_uri())
    page.wait_for_function("() => document.body.dataset.ready === 'true'", timeout=CHANGE_MS)
    expect(page.locator("#live-panel")).to_be_visible()
    expect(page.locator("#experiment-panel")).to_be_hidden()
    slider = page.locator("#live-frame")
    expect(slider).to_have_attribute("max", "59")
    expect(page.locator("#live-setup")).to_contain_text("regularization")
    expect(page.locator("#network-diagram .unit")).to_have_count(2 + 4 + 2)
    slider.fill("0")
    expect(page.locator("#live-frame-label")).to_contain_text("epoch 0 (1 of 60)")
    # (Plots are redrawn at most ten times a second: the line follows the label.)
    page.wait_for_function("() => document.getElementById('live-curves').layout.shapes[0].x0 === 0")
    assert any(t["type"] == "heatmap" for t in traces(page, "live-data"))
    page.click("#live-play")
    page.wait_for_function("() => Number(document.getElementById('live-frame').value) >= 3")
    page.click("#live-play")
    expect(page.locator("#live-play")).to_have_attribute("aria-pressed", "false")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "networks-live-export.png"), full_page=True)
    offline.close()
    assert left == [] and errors == []


def test_live_training_says_why_it_cannot_run(page: Page, live_url: str) -> None:
    """A network over the live limit: the server's 422, in words, and Play stops (the page
    logs only that failed request). A CNN: nothing is sent, and the page says why."""
    logged: list[str] = []
    page.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: logged.append(error.message))
    open_networks(page, f"{live_url}/networks.html?n=100&w=64,64,64")
    sent = live_calls(page)
    page.click("#live-play")
    error = page.locator("#live-error")
    expect(error).to_contain_text("cannot train this live")
    expect(error).to_contain_text("5000 parameters")
    expect(page.locator("#live-play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(500)
    assert len(sent) == 1
    assert len(logged) == 1 and "422" in logged[0]

    page.select_option("#architecture", "cnn")
    page.click("#live-step")
    expect(error).to_contain_text("Nothing sent: live training runs MLPs")
    page.wait_for_timeout(300)
    assert len(sent) == 1
