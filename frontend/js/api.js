// One function per endpoint. `latest(fn)` wraps a request so that only the newest
// response is delivered: stale ones (overtaken while a slider moves) are dropped.

import { clientHeaders } from "./client_id.js";

async function request(path, body) {
  const init = body === undefined ? { headers: clientHeaders() } : {
    method: "POST",
    headers: { "content-type": "application/json", ...clientHeaders() },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const payload = await response.json();
  if (!response.ok) {
    const error = new Error(payload.detail ?? `HTTP ${response.status}`);
    error.problem = payload;
    throw error;
  }
  return payload;
}

export const getSurfaces = () => request("/api/surfaces");
export const getOptimizers = () => request("/api/optimizers");
export const getSchedules = () => request("/api/schedules");
export const postGrid = (body) => request("/api/grid", body);
export const postAnalyze = (body) => request("/api/analyze", body);
export const postTrajectories = (body) => request("/api/trajectories", body);
export const postSweeps = (body) => request("/api/sweeps", body);

export class Stale extends Error {}

/** Wrap an async function so a call resolves only if no later call was made meanwhile. */
export function latest(fn) {
  let generation = 0;
  return async (...args) => {
    const mine = ++generation;
    const result = await fn(...args);
    if (mine !== generation) throw new Stale("a newer request superseded this one");
    return result;
  };
}
