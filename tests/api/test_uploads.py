"""Your own data: POST /api/datasets takes a CSV and answers with an id that goes wherever
a dataset's name goes; bad tables get a 422 naming the row and column."""

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from descentlab.core.nets import uploads
from descentlab.core.nets.uploads import MAX_UPLOAD_BYTES

CSV = {"content-type": "text/csv"}


def _table(rows: int, columns: int = 2) -> str:
    header = ",".join(f"x{j}" for j in range(columns)) + ",species\n"
    return header + "".join(
        ",".join(f"{((i * (j + 2)) % 13) / 3:.3f}" for j in range(columns))
        + f",{('setosa', 'virginica')[i % 2]}\n"
        for i in range(rows)
    )


def _upload(client: TestClient, text: str, **query: Any) -> Any:
    return client.post("/api/datasets", content=text.encode(), headers=CSV, params=query)


def _finish(client: TestClient, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    accepted = client.post("/api/experiments", json={"kind": kind, "params": params})
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 120
    while (job := client.get(f"/api/experiments/{accepted.json()['id']}").json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return dict(job)


def test_an_upload_answers_its_parsed_table_and_an_id(client: TestClient) -> None:
    response = _upload(client, _table(60), label="my flowers", test_fraction=0.2)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/datasets/{body['name']}"
    assert body["name"].startswith("csv-") and body["label"] == "my flowers"
    assert (body["task"], body["n_classes"], body["input_dim"]) == ("classification", 2, 2)
    assert body["class_names"] == ["setosa", "virginica"] and body["fixed_size"] is True
    assert (len(body["x_train"]), len(body["x_test"])) == (48, 12)
    assert 0 < body["expires_in_s"] <= uploads.TTL_S
    again = client.get(f"/api/datasets/{body['name']}", params={"n_samples": 999}).json()
    assert again["x_train"] == body["x_train"]  # its own split: the settings do not apply


def test_the_id_trains_reads_a_landscape_and_a_hessian(client: TestClient) -> None:
    name = _upload(client, _table(80)).json()["name"]
    setup = {"dataset": name, "epochs": 3, "widths": [4]}
    trained = _finish(client, "train", setup)
    assert trained["status"] == "done", trained["error"]
    assert trained["result"]["data"]["n_classes"] == 2
    assert len(trained["result"]["data"]["y_train"]) == 60
    hessian = _finish(client, "hessian", {"setup": setup, "iterations": 8, "probes": 2})
    assert hessian["status"] == "done", hessian["error"]
    assert hessian["result"]["parameters"] == 2 * 4 + 4 + 4 * 2 + 2
    landscape = _finish(client, "landscape", {"setup": setup, "resolution": 9})
    assert landscape["status"] == "done", landscape["error"]


def test_the_checks_count_the_uploaded_rows_not_n_samples(client: TestClient) -> None:
    name = _upload(client, _table(2000)).json()["name"]
    # 2,000 rows × 200 epochs is past the 200,000 sample-epochs however small n_samples is.
    refused = client.post(
        "/api/experiments",
        json={"kind": "train", "params": {"dataset": name, "n_samples": 20, "epochs": 200}},
    )
    assert refused.status_code == 422
    assert "samples (2000) × epochs (200) exceeds" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("x0,x1,y\n1,2,a\n3,oops,b\n4,5,a\n6,7,b\n8,9,a\n", "row 3, column 2 ('x1')"),
        ("x0,x1,y\n1,2,a\n3,1e39,b\n4,5,a\n6,7,b\n8,9,a\n", "row 3, column 2"),
        ("x0,x1,y\n1,2,a\n3,4\n", "row 3 has 2 columns"),
        ("x0,x1,y\n1,2,a\x00b\n3,4,a\n5,6,b\n7,8,a\n", "control character"),
        ("", "empty"),
    ],
)
def test_a_malformed_table_is_a_422_naming_where(client: TestClient, text: str, named: str) -> None:
    response = _upload(client, text)
    assert response.status_code == 422
    assert named in response.json()["detail"]


def test_markup_in_names_stays_text(client: TestClient) -> None:
    text = "<img src=x onerror=alert(1)>,b,<b>class</b>\n" + "".join(
        f"{i},{i % 3},{'<i>a</i>' if i % 2 else 'b'}\n" for i in range(20)
    )
    body = _upload(client, text).json()
    assert body["feature_names"][0] == "<img src=x onerror=alert(1)>"  # data, as written
    assert "<i>a</i>" in body["class_names"]


def test_what_is_not_a_csv_is_refused_clearly(client: TestClient) -> None:
    as_json = client.post("/api/datasets", json={"a": 1})
    assert as_json.status_code == 415 and "text/csv" in as_json.json()["detail"]
    latin = client.post("/api/datasets", content="x,y\n\xe9,1\n".encode("latin-1"), headers=CSV)
    assert latin.status_code == 422 and "UTF-8" in latin.json()["detail"]
    too_large = client.post("/api/datasets", content=b"1," * MAX_UPLOAD_BYTES, headers=CSV)
    assert too_large.status_code == 413
    bad_label = _upload(client, _table(20), label="a\x07b")
    assert bad_label.status_code == 422 and "label" in bad_label.json()["detail"]
    bad_split = _upload(client, _table(20), test_fraction=0.9)
    assert bad_split.status_code == 422


def test_an_unknown_or_expired_id_is_a_clear_404_or_422(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _upload(client, _table(30)).json()["name"]
    later = time.monotonic() + uploads.TTL_S + 1
    monkeypatch.setattr(uploads.UPLOADS, "_clock", lambda: later)
    gone = client.get(f"/api/datasets/{name}")
    assert gone.status_code == 404 and "upload the CSV again" in gone.json()["detail"]
    refused = client.post("/api/experiments", json={"kind": "train", "params": {"dataset": name}})
    assert refused.status_code == 422 and "upload the CSV again" in refused.json()["detail"]
    not_an_id = client.post(
        "/api/experiments", json={"kind": "train", "params": {"dataset": "csv-1"}}
    )
    assert not_an_id.status_code == 422
