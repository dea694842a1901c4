"""Lessons in a real browser: the index lists every lesson from the API in curriculum order;
a lesson opened from it shows its explanation and draws; "Next" follows the curriculum
across the 2-D lab and the Networks page; a network lesson's Run sends exactly its params.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.lab_page import (
    CHANGE_MS,
    FIRST_RESULTS_MS,
    Submitted,
    open_lab,
    query,
    save_shot,
    watch_experiments,
)

pytestmark = pytest.mark.browser

READY_JS = "() => document.body?.dataset.ready === 'true'"
TRAINED_JS = "() => document.body.dataset.trained === 'true'"  # a train job drawn
# The lab drew the lesson: as many paths as runs, and no error in the status line.
LAB_DRAWN_JS = """() => document.body?.dataset.ready === "true"
    && document.getElementById("status").textContent === ""
    && (document.getElementById("map").data || [])
        .filter((t) => t.mode === "lines" && t.meta !== "halo").length
        === document.querySelectorAll("#runs .run").length"""


def lessons(page: Page, live_url: str) -> list[dict[str, Any]]:
    listing: list[dict[str, Any]] = page.request.get(f"{live_url}/api/lessons").json()
    return listing


def lesson(page: Page, live_url: str, lesson_id: str) -> dict[str, Any]:
    body: dict[str, Any] = page.request.get(f"{live_url}/api/lessons/{lesson_id}").json()
    return body


def expect_lesson_text(page: Page, body: dict[str, Any]) -> None:
    box = page.locator("#lesson-text")
    expect(box).to_be_visible(timeout=CHANGE_MS)
    expect(box.locator("h3")).to_have_text(body["title"])
    expect(box.locator(".lesson-section")).to_contain_text(f"§ {body['section']}")
    expect(box.locator(".lesson-section")).to_contain_text(body["section_title"])
    expect(box.locator(".lesson-explanation")).to_have_text(body["explanation"])


def open_network_lesson(
    page: Page, live_url: str, lesson_id: str
) -> tuple[dict[str, Any], Submitted]:
    """Open a network lesson by its link, recording what it submits; its text is shown."""
    body = lesson(page, live_url, lesson_id)
    submitted = watch_experiments(page)
    page.goto(f"{live_url}{body['url']}")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    expect_lesson_text(page, body)
    return body, submitted


def test_the_index_lists_every_lesson_from_the_api_in_order(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    page.goto(f"{live_url}/lessons.html")
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    listing = lessons(page, live_url)
    entries = page.locator(".lesson-entry")
    expect(entries).to_have_count(len(listing))
    shown = entries.evaluate_all(
        """(items) => items.map((item) => ({
            id: item.dataset.lesson,
            number: item.querySelector(".lesson-number").textContent,
            title: item.querySelector(".lesson-title").textContent,
            href: item.querySelector("a").getAttribute("href"),
            summary: item.querySelector(".lesson-summary").textContent,
        }))"""
    )
    assert shown == [
        {
            "id": entry["id"],
            "number": entry["section"],
            "title": entry["title"],
            "href": entry["url"],
            "summary": entry["summary"],
        }
        for entry in listing
    ]
    headings = page.locator(".lesson-group h3").all_inner_texts()
    sections = list(
        dict.fromkeys(f"{e['section'].split('.')[0]}. {e['section_title']}" for e in listing)
    )
    assert headings == sections
    assert [h.split(".")[0] for h in headings] == ["1", "2", "3", "4", "5", "6"]
    save_shot(page, tmp_path, "lessons-index.png", keep=True)


def test_a_2d_lesson_opened_from_the_index_shows_its_explanation_and_draws(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    page.goto(f"{live_url}/lessons.html")
    page.wait_for_function(READY_JS, timeout=CHANGE_MS)
    page.locator(".lesson-entry[data-lesson='momentum-saddle'] a").click()
    page.wait_for_function(LAB_DRAWN_JS, timeout=FIRST_RESULTS_MS)
    body = lesson(page, live_url, "momentum-saddle")
    expect_lesson_text(page, body)
    state = body["scenario"]["state"]
    expect(page.locator("#surface-select")).to_have_value(state["surface"])
    expect(page.locator("#runs .run")).to_have_count(len(state["runs"]))
    expect(page.locator("#lesson-select")).to_have_value("momentum-saddle")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('lesson') === 'momentum-saddle'",
        timeout=CHANGE_MS,
    )
    paths = page.evaluate(
        """() => (document.getElementById("map").data || [])
            .filter((t) => t.mode === "lines" && t.meta !== "halo").map((t) => [t.x[0], t.y[0]])"""
    )
    assert paths == [state["start"]] * len(state["runs"])  # the lesson's start, every run
    save_shot(page, tmp_path, "lesson-lab.png", keep=True)


def test_next_follows_the_curriculum_across_both_pages(watched: Page, live_url: str) -> None:
    page = watched
    listing = lessons(page, live_url)
    ids = [e["id"] for e in listing]
    # escape-direction (1.2, 2-D lab) → minimum-ratio (1.3, Networks) → 2.1, back in the 2-D lab
    first = ids.index("escape-direction")
    to_networks, back_to_lab = listing[first + 1], listing[first + 2]
    assert to_networks["url"].startswith("/networks.html") and back_to_lab["url"].startswith("/?")
    open_lab(page, f"{live_url}/?lesson=escape-direction", min_paths=1)
    next_link = page.locator("#lesson-text a.next-lesson")
    expect(next_link).to_have_text(f"Next: {to_networks['title']} →")
    next_link.click()
    page.wait_for_url(lambda url: to_networks["url"] in url, timeout=CHANGE_MS)
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    body = lesson(page, live_url, to_networks["id"])
    expect_lesson_text(page, body)
    expect(page.locator("#lesson-select")).to_have_value(to_networks["id"])
    expect(page.locator("#tab-minimum_ratio")).to_have_attribute("aria-selected", "true")
    card = page.locator("#experiment-minimum_ratio")
    expect(card.locator("input[name=seeds]")).to_have_value(
        str(body["scenario"]["experiment"]["params"]["seeds"])
    )
    page.locator("#lesson-text a.next-lesson").click()
    page.wait_for_url(lambda url: f"lesson={back_to_lab['id']}" in url, timeout=CHANGE_MS)
    page.wait_for_function(LAB_DRAWN_JS, timeout=FIRST_RESULTS_MS)
    expect_lesson_text(page, lesson(page, live_url, back_to_lab["id"]))


def test_the_last_lesson_leads_back_to_the_index(watched: Page, live_url: str) -> None:
    page = watched
    last = lessons(page, live_url)[-1]
    started: list[Request] = []
    page.on(
        "request",
        lambda r: (
            started.append(r) if r.method == "POST" and r.url.endswith("/api/experiments") else None
        ),
    )
    page.goto(f"{live_url}{last['url']}")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    # A network lesson starts its experiment as it opens (the last one: a 100-s study);
    # withdraw this page's interest, as closing its tab would, so the shared server's job
    # queue is free for the tests after this one.
    for request in started:
        job = request.response().json() if request.response() else None
        if job and "id" in job:
            page.request.delete(
                f"{live_url}/api/experiments/{job['id']}",
                headers={"X-Client-Id": request.headers.get("x-client-id", "")},
            )
            for _ in range(120):  # a cancel takes effect at the job's next progress report
                status = page.request.get(f"{live_url}/api/experiments/{job['id']}").json()[
                    "status"
                ]
                if status in ("cancelled", "done"):
                    break
                page.wait_for_timeout(250)
            assert status in ("cancelled", "done"), status
    expect(page.locator("#lesson-text a.next-lesson")).to_have_count(0)
    back = page.locator("#lesson-text a.all-lessons")
    expect(back).to_have_attribute("href", "/lessons.html")
    back.click()
    page.wait_for_url(lambda url: url.endswith("/lessons.html"), timeout=CHANGE_MS)


def test_a_network_lesson_sets_the_setup_and_runs_its_experiment_as_given(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    body, submitted = open_network_lesson(page, live_url, "loss-comparison")
    expect(page.locator("#tab-loss_comparison")).to_have_attribute("aria-selected", "true")
    # No click: a network lesson starts its experiment when it opens, as a 2-D lesson plays.
    card = page.locator("#experiment-loss_comparison")
    expect(card).to_have_attribute("data-drawn", "true", timeout=FIRST_RESULTS_MS)
    assert submitted.bodies == [body["scenario"]["experiment"]]
    # The lesson stays in the URL beside the setup, and a reload reopens it.
    page.wait_for_function("() => location.search.includes('lesson=loss-comparison')")
    page.reload()
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    expect_lesson_text(page, body)
    save_shot(page, tmp_path, "lesson-networks.png", keep=True)


def test_a_train_lesson_trains_its_setup_and_draws_the_boundary(
    watched: Page, live_url: str, tmp_path: Path
) -> None:
    page = watched
    body, submitted = open_network_lesson(page, live_url, "input-features")
    # The lesson's features ticked, no hidden layer; the open tab is the page's own (a
    # train lesson has no card).
    checked = page.locator("#input-features input:checked")
    expect(checked).to_have_count(2)
    assert checked.evaluate_all("(all) => all.map((box) => box.value)") == [
        "x1_squared",
        "x2_squared",
    ]
    expect(page.locator("#widths")).to_have_value("")
    expect(page.locator("#tab-loss_comparison")).to_have_attribute("aria-selected", "true")
    settings = page.locator("#lesson-text .lesson-settings")
    expect(settings).to_contain_text("This lesson runs: Network trained: dataset circles")
    expect(settings).to_contain_text("input features x₁², x₂²")
    # No click: the lesson trains as it opens, exactly the setup it names.
    page.wait_for_function(TRAINED_JS, timeout=FIRST_RESULTS_MS)
    lesson_params = body["scenario"]["experiment"]["params"]
    (request,) = submitted.bodies
    assert request["kind"] == "train"
    # The page sends the fields the form has (the API fills in the rest): each as the lesson
    # has it, and the network trained is the lesson's to the last field.
    assert {key: lesson_params[key] for key in request["params"]} == request["params"]
    job = page.request.get(f"{live_url}/api/experiments/{submitted.ids[0]}").json()
    assert job["result"]["setup"] == lesson_params
    summary = page.locator("#train-summary").text_content() or ""
    train, test = (float(x) for x in re.findall(r"([\d.]+)% (?:train|test)", summary))
    assert train >= 98.5 and test >= 97.0, summary  # the lesson's claim, on its own page
    boundary = page.evaluate(
        "() => document.getElementById('data-plot').data.filter((t) => t.type === 'heatmap').length"
    )
    assert boundary == 1
    go = page.locator("#lesson-text button.run-lesson")
    expect(go).to_have_text("See the lesson's training ↓")
    go.click()
    expect(page.locator("#data-plot")).to_be_in_viewport()
    save_shot(page, tmp_path, "lesson-train.png", keep=True)


def test_a_train_lesson_picked_mid_run_replaces_the_run_and_keeps_the_tab(
    watched: Page, live_url: str
) -> None:
    """Picked while another setup trains, with a typo in the form: the run under way is
    cancelled, the lesson's setup trains (no stale form error stops it), the tab stays."""
    page = watched
    body = lesson(page, live_url, "input-features")
    # Wide layers, one sample a step: a run that lasts far longer than this test.
    page.goto(f"{live_url}/networks.html?n=4000&w=256,256&bs=1&ep=49&x=batch_size")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    submitted = watch_experiments(page)
    page.locator("#train-job button.run").click()
    expect(page.locator("#train-job .job-label")).to_contain_text("Training…", timeout=CHANGE_MS)
    page.fill("#widths", "abc")
    expect(page.locator("#setup-errors")).to_be_visible()
    page.select_option("#lesson-select", "input-features")
    page.wait_for_function(TRAINED_JS, timeout=FIRST_RESULTS_MS)
    assert [b["params"]["n_samples"] for b in submitted.bodies] == [4000, 400]
    for _ in range(CHANGE_MS // 250):  # a cancel takes effect at the job's next report
        first = page.request.get(f"{live_url}/api/experiments/{submitted.ids[0]}").json()
        if first["status"] != "running":
            break
        page.wait_for_timeout(250)
    assert first["status"] == "cancelled"
    lesson_params = body["scenario"]["experiment"]["params"]
    trained = page.request.get(f"{live_url}/api/experiments/{submitted.ids[1]}").json()
    assert trained["result"]["setup"] == lesson_params
    expect(page.locator("#tab-batch_size")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#setup-errors")).to_be_hidden()
    expect(page.locator("#train-job .job-error")).to_be_hidden()


def test_a_train_lesson_link_with_an_edited_setup_trains_nothing_on_its_own(
    watched: Page, live_url: str
) -> None:
    """The page's own link after an edit carries the lesson and the edited setup: the box
    still says what the lesson runs, so Train waits for the user, and says why."""
    page = watched
    submitted = watch_experiments(page)
    page.goto(f"{live_url}/networks.html?ft=x1,x2&lesson=input-features")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    expect(page.locator("#lesson-text .lesson-settings")).to_contain_text("x₁², x₂²")
    expect(page.locator("#train-job .job-error")).to_have_text(
        "The form holds a setup other than the lesson's: Train trains the form's."
    )
    assert submitted.bodies == []
    page.locator("#train-job button.run").click()  # the user's choice: the form's setup
    page.wait_for_function(TRAINED_JS, timeout=FIRST_RESULTS_MS)
    assert len(submitted.bodies) == 1
    trained = page.request.get(f"{live_url}/api/experiments/{submitted.ids[0]}").json()
    assert trained["result"]["setup"]["features"] == ["x1", "x2"]


def test_a_network_lesson_fills_the_setup_form_with_what_it_trains(
    watched: Page, live_url: str
) -> None:
    page = watched
    body = lesson(page, live_url, "small-vs-large-batch")
    page.goto(f"{live_url}{body['url']}")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    state = body["scenario"]["state"]
    expect(page.locator("#noise")).to_have_value(str(state["noise"]))
    expect(page.locator("#learning-rate")).to_have_value(str(state["learningRate"]))
    expect(page.locator("#optimizer")).to_have_value(state["optimizer"])
    expect(page.locator("#epochs")).to_have_value(str(state["epochs"]))
    assert query(page) == {"lesson": "small-vs-large-batch"}  # the link names the lesson alone
    # Edited, the URL carries the setup as changed, and still the lesson (its text stays).
    page.fill("#epochs", "12")
    page.wait_for_function("() => location.search.includes('ep=12')", timeout=CHANGE_MS)
    assert query(page)["lr"] == "0.1" and query(page)["x"] == "batch_size"
    assert query(page)["lesson"] == "small-vs-large-batch"
    expect(page.locator("#lesson-text")).to_be_visible()
    # Back to free setup: the explanation goes, the card gets its preset back.
    page.select_option("#lesson-select", "")
    expect(page.locator("#lesson-text")).to_be_hidden()
    page.wait_for_function("() => !location.search.includes('lesson=')", timeout=CHANGE_MS)


def test_a_picker_opens_a_lesson_of_the_other_page_there(watched: Page, live_url: str) -> None:
    page = watched
    open_lab(page, f"{live_url}/", min_paths=1)
    option = page.locator("#lesson-select option[value='batch-norm']")
    expect(option).to_have_attribute("data-page", "networks")
    page.select_option("#lesson-select", "batch-norm")
    page.wait_for_url(lambda url: "/networks.html?lesson=batch-norm" in url, timeout=CHANGE_MS)
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    expect(page.locator("#lesson-text h3")).to_have_text(
        lesson(page, live_url, "batch-norm")["title"]
    )
    page.select_option("#lesson-select", "warmup")
    page.wait_for_url(lambda url: "/?lesson=warmup" in url, timeout=CHANGE_MS)
    page.wait_for_function(LAB_DRAWN_JS, timeout=FIRST_RESULTS_MS)
    expect(page.locator("#lesson-text h3")).to_have_text(lesson(page, live_url, "warmup")["title"])


def test_an_embedded_lesson_opens_its_setup_and_stays_embedded(
    watched: Page, live_url: str
) -> None:
    page = watched
    body = lesson(page, live_url, "small-vs-large-batch")
    page.goto(f"{live_url}{body['url']}&embed=1")
    page.wait_for_function(READY_JS, timeout=FIRST_RESULTS_MS)
    state = body["scenario"]["state"]  # `embed` is how the page is shown, not a setup
    expect(page.locator("#learning-rate")).to_have_value(str(state["learningRate"]))
    expect(page.locator("#epochs")).to_have_value(str(state["epochs"]))
    # a lesson of the other page, asked for here, opens there, still embedded
    page.goto(f"{live_url}/networks.html?lesson=warmup&embed=1")
    page.wait_for_url(lambda url: "/?lesson=warmup" in url, timeout=CHANGE_MS)
    assert query(page).get("embed") == "1"
    page.goto(f"{live_url}/?lesson=batch-norm&embed=1")
    page.wait_for_url(lambda url: "/networks.html?lesson=batch-norm" in url, timeout=CHANGE_MS)
    assert query(page).get("embed") == "1"
