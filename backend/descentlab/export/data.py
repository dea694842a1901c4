"""What an exported page shows, computed exactly as the API computes it for the lab.

A 2-D scenario is the lab's state (a lesson's ``scenario.state``, camelCase as
``frontend/js/state.js`` keeps it). From it this module builds the very requests the lab
sends (``frontend/js/requests.js``: the grid at the API's resolution, the race with the runs'
labels, the point inspector's analysis) and answers them with the API's own route
functions, so the inlined data are the bytes ``POST /api/grid``, ``/api/trajectories`` and
``/api/analyze`` (and, with the hyperparameter map open, ``/api/maps``) return, decoded.
Where the inspector is open, the point one "step along
the escape direction" away is analysed too, so that button works offline. The catalogue
entries the page draws with (the surface, the optimizers and schedules of the run cards)
are ``GET /api/surfaces``, ``/api/optimizers`` and ``/api/schedules``'s.

A network scenario's experiment (a ``POST /api/experiments`` body) is validated as that
endpoint validates it and run to its end; its result is what the job reports.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from descentlab.api import public
from descentlab.api.responses import encode
from descentlab.api.schemas.analysis import AnalyzeRequest
from descentlab.api.schemas.experiments import ExperimentRequest, core_params
from descentlab.api.schemas.grid import GridRequest
from descentlab.api.schemas.maps import MapRequest
from descentlab.api.schemas.trajectories import TrajectoryRequest
from descentlab.core.experiments.live import LiveSegment, replay
from descentlab.core.experiments.registry import EXPERIMENTS
from descentlab.core.experiments.train import NetworkSetup
from descentlab.core.hyperparameter_maps import map_steps
from descentlab.core.nets.datasets import FEATURES
from descentlab.core.trajectory import run_labels

Json = dict[str, Any]

ESCAPE_FRACTION = 0.1  # the escape step's length as a share of the domain's width (inspector.js)

EXPERIMENT_REQUEST: TypeAdapter[Any] = TypeAdapter(ExperimentRequest)


def _body(value: Any) -> Any:
    """A public value (NumPy arrays and all) as the plain JSON the API would send."""
    return orjson.loads(encode(value))


def _public(models: Sequence[BaseModel]) -> list[Json]:
    """A catalogue listing as the API serves it (FastAPI's JSON of the models)."""
    return [model.model_dump(mode="json", by_alias=True) for model in models]


def surface_ref(state: Mapping[str, Any]) -> Any:
    """How the API names the state's surface: an id, or ``{id, params}`` (``surfaceRef``)."""
    params = dict(state.get("params") or {})
    return {"id": state["surface"], "params": params} if params else state["surface"]


def lab_requests(state: Mapping[str, Any], surface: Mapping[str, Any]) -> Json:
    """The grid, trajectory and (inspector open) analyze request bodies the lab sends."""
    start = state.get("start") or surface["default_start"]
    labels = run_labels(state["runs"])
    runs = []
    for run, label in zip(state["runs"], labels, strict=True):
        body: Json = {"optimizer": {"name": run["optimizer"], **run["hyper"]}}
        if run.get("schedule"):
            body["schedule"] = run["schedule"]
        runs.append(
            {
                **body,
                "start": list(start),
                "gradient_noise": run.get("noise", 0.0),
                "seed": run.get("seed", 0),
                "label": label,
            }
        )
    ref = surface_ref(state)
    point = state.get("inspect")
    return {
        "grid": {"surface": ref},  # the API's own resolution, as gridRequest sends it
        "trajectories": {"surface": ref, "steps": state["steps"], "runs": runs},
        "inspect": None if point is None else {"surface": ref, "point": list(point)},
        "map": _map_request(state, ref, runs),
    }


def _map_request(state: Mapping[str, Any], ref: Any, runs: Sequence[Json]) -> Json | None:
    """The hyperparameter map's request as the lab sends it (hyper_map.js ``mapRequest``)."""
    setting = state.get("hmap")
    if not setting:
        return None
    run = runs[setting["run"]]
    optimizer = {
        k: v
        for k, v in run["optimizer"].items()
        if k not in (setting["x"]["param"], setting["y"]["param"])
    }
    cells = setting["x"]["count"] * setting["y"]["count"]
    return {
        "surface": ref,
        "start": run["start"],
        "steps": map_steps(state["steps"], cells),
        "optimizer": optimizer,
        **({"schedule": run["schedule"]} if "schedule" in run else {}),
        "x": setting["x"],
        "y": setting["y"],
        "metric": setting["metric"],
        "gradient_noise": run["gradient_noise"],
        "seed": run["seed"],
    }


def _analysis(request: AnalyzeRequest) -> Json:
    result: Json = _body(public.analysis(request))
    return result


def _analyses(inspect: AnalyzeRequest | None, grid_x: Sequence[float]) -> list[Json]:
    """The inspected point's analysis and, at a saddle, the escape step's (inspector.js)."""
    if inspect is None:
        return []
    found = [_analysis(inspect)]
    direction = found[0].get("escape_direction")
    if direction:
        alpha = ESCAPE_FRACTION * (grid_x[-1] - grid_x[0])
        point = [found[0]["point"][i] + alpha * direction[i] for i in (0, 1)]
        found.append(_analysis(AnalyzeRequest(surface=inspect.surface, point=(point[0], point[1]))))
    return found


def surface_catalogue_entry(surface_id: str) -> Json:
    """``GET /api/surfaces``'s entry for ``surface_id``; ``ValueError`` if there is none."""
    for surface in _public(public.surfaces()):
        if surface["id"] == surface_id:
            return surface
    raise ValueError(f"unknown surface {surface_id!r}")


@dataclass(frozen=True)
class LabRequests:
    """The requests the lab sends for one state, validated as the API validates them."""

    grid: GridRequest
    trajectories: TrajectoryRequest
    inspect: AnalyzeRequest | None  # the point inspector's, when it is open
    hyper_map: MapRequest | None  # the hyperparameter map's, when it is open


def validated_requests(state: Mapping[str, Any]) -> LabRequests:
    """The lab's grid, race and inspector requests for ``state``, validated by the API's
    own models.

    ``ValueError`` naming every problem when the API would refuse them (an unknown
    surface or optimizer, hyperparameters out of bounds, too many steps).
    """
    requests = lab_requests(state, surface_catalogue_entry(state["surface"]))
    try:
        return LabRequests(
            grid=GridRequest.model_validate(requests["grid"]),
            trajectories=TrajectoryRequest.model_validate(requests["trajectories"]),
            inspect=None
            if requests["inspect"] is None
            else AnalyzeRequest.model_validate(requests["inspect"]),
            hyper_map=None
            if requests["map"] is None
            else MapRequest.model_validate(requests["map"]),
        )
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in invalid.errors()
        )
        raise ValueError(f"the API would refuse this scenario: {problems}") from None


def surface_data(state: Mapping[str, Any]) -> Json:
    """Everything a 2-D page needs offline for the lab state ``state`` (``ValueError`` when
    the API would refuse it: see ``validated_requests``)."""
    requests = validated_requests(state)
    grid_data: Json = _body(public.grid(requests.grid))
    return {
        "surface": surface_catalogue_entry(state["surface"]),
        "optimizers": _public(public.optimizers()),
        "schedules": _public(public.schedules()),
        "grid": grid_data,
        "trajectories": _body(public.trajectories(requests.trajectories)),
        "analyses": _analyses(requests.inspect, grid_data["x"]),
        "hyper_map": None
        if requests.hyper_map is None
        else _body(public.hyperparameter_map(requests.hyper_map)),
    }


def experiment_request(experiment: Mapping[str, Any]) -> Any:
    """The experiment as ``POST /api/experiments`` validates it (a request model)."""
    return EXPERIMENT_REQUEST.validate_python(dict(experiment))


def feature_labels() -> Json:
    """Each input feature's label, as ``GET /api/features`` gives them (a network page
    names the features its setup reads with no API to ask)."""
    return {name: feature.label for name, feature in FEATURES.items()}


def network_page_data(experiment: Json, result: Any) -> Json:
    """A network lesson's page data: its experiment request, the result, the labels."""
    return {"experiment": experiment, "result": result, "feature_labels": feature_labels()}


def live_run(setup: NetworkSetup, segments: Sequence[LiveSegment]) -> Any:
    """A recorded live run replayed (``live.replay``), as plain JSON values."""
    return orjson.loads(encode(replay(setup, segments)))


def network_result(experiment: Mapping[str, Any]) -> Any:
    """The experiment's result, run here to its end, as the experiments API reports it."""
    request = experiment_request(experiment)
    run = EXPERIMENTS[request.kind].run
    return orjson.loads(encode(run(core_params(request), lambda *_args, **_kw: None)))
