// One function per endpoint. `latest(fn)` wraps a request so that only the newest
// response is delivered: stale ones (overtaken while a slider moves) are dropped.

import { clientHeaders } from "./client_id.js";
import { problemMessage } from "./problems.js";


/**
 * Every page's one way to call the API: JSON in and out, the tab's client id sent. A
 * failure throws an Error with the problem's `detail` as its message, `problem` (the body,
 * or null when it was not JSON, e.g. a proxy's HTML 502) and `status`. With `contentType`
 * the body goes as it is (a CSV file), not as JSON.
 */
export async function requestJSON(path, { method = "GET", body, contentType } = {}) {
  const init = { method, headers: clientHeaders() };
  if (body !== undefined) {
    init.headers["content-type"] = contentType ?? "application/json";
    init.body = contentType ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null; // not JSON: the status says what happened
  }
  if (!response.ok) {
    const error = new Error(problemMessage(payload, response.status));
    error.problem = payload;
    error.status = response.status;
    throw error;
  }
  return payload;
}

const request = (path, body) => requestJSON(path, body === undefined ? {} : { method: "POST", body });

export const getSurfaces = () => request("/api/surfaces");
export const getOptimizers = () => request("/api/optimizers");
export const getSchedules = () => request("/api/schedules");
export const postGrid = (body) => request("/api/grid", body);
export const postAnalyze = (body) => request("/api/analyze", body);
export const postTrajectories = (body) => request("/api/trajectories", body);
export const postSweeps = (body) => request("/api/sweeps", body);
export const postMaps = (body) => request("/api/maps", body);

export class Stale extends Error {}

/**
 * Wrap an async function so a call settles only if no later call (and no `cancel()`) came
 * meanwhile: an overtaken call rejects with `Stale`, whether it succeeded or failed, so a
 * slow answer (or error) for an earlier choice never lands on a later one. The one
 * "latest wins" of every page.
 */
export function latest(fn) {
  let generation = 0;
  const call = async (...args) => {
    const mine = ++generation;
    const overtaken = () => mine !== generation;
    let result;
    try {
      result = await fn(...args);
    } catch (error) {
      if (overtaken()) throw new Stale("a newer request superseded this one");
      throw error;
    }
    if (overtaken()) throw new Stale("a newer request superseded this one");
    return result;
  };
  /** Drop the answers of every call made so far (the learner chose something else). */
  call.cancel = () => { generation += 1; };
  return call;
}
