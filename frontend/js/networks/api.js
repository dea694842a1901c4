// The Networks page's calls: one function per endpoint, and following a job's events.
// Errors carry the API's problem+json `detail` as their message.

import { FINISHED } from "./job.js";
import { applyPatch } from "./json_patch.js";
import { requestJSON as request } from "../api.js";
import { withClientId } from "../client_id.js";

export { getOptimizers } from "../api.js";
export const getDatasets = () => request("/api/datasets");
export const getExperimentKinds = () => request("/api/experiments/kinds");
/** The input features a network on the plane may read: [{name, label}], in the API's order. */
export const getFeatures = () => request("/api/features");

/**
 * Train a little more, now (live training): `updates` minibatch updates from `state`
 * (null: the setup's initial weights); resolves to the new state, metrics and pictures.
 */
export const postLiveSteps = ({ setup, state, updates }) => request("/api/live/steps", { method: "POST", body: { setup, state, updates } });

export function getDataset({ name, n_samples, noise, seed, test_fraction }) {
  const query = new URLSearchParams({ n_samples, noise, seed, ...(test_fraction === undefined ? {} : { test_fraction }) });
  return request(`/api/datasets/${encodeURIComponent(name)}?${query}`);
}

/** Upload a CSV (a File or text): resolves to the parsed table with its id (`name`). */
export const uploadDataset = (file, label) => request(
  `/api/datasets?${new URLSearchParams({ label })}`,
  { method: "POST", body: file, contentType: "text/csv" },
);

/** Queue an experiment: resolves to {id, status} (202), or throws the API's message. */
export const submitExperiment = (kind, params) => request("/api/experiments", { method: "POST", body: { kind, params } });
export const getExperiment = (id) => request(`/api/experiments/${encodeURIComponent(id)}`);
export const cancelExperiment = (id) => request(`/api/experiments/${encodeURIComponent(id)}`, { method: "DELETE" });

const POLL_MS = 500;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** The job as this client sees it once it withdrew: cancelled, whoever else still wants it. */
const withdrawn = (job, id) => ({ ...(job ?? { id }), status: "cancelled", partial: null });

async function poll(id, onUpdate, signal) {
  for (;;) {
    const job = await getExperiment(id);
    if (signal?.aborted) return withdrawn(job, id);
    onUpdate(job);
    if (FINISHED.includes(job.status)) return job;
    await sleep(POLL_MS);
  }
}

/**
 * Follow a job over server-sent events (the whole job first as `progress`, then each change
 * as a JSON Patch in a `patch` event, then `done`, `failed` or `cancelled` with the whole
 * job), calling `onUpdate(job)` after each; resolves with the finished job.
 * A dropped connection is the browser's to mend: it reconnects by itself and sends the last
 * event's id (`Last-Event-ID`), so the server resumes with the patches since. If the stream
 * is refused (e.g. the job is gone) or a patch does not fit, it polls the job instead.
 * `signal` (an AbortSignal) stops following once this client cancelled: identical jobs are
 * shared, so the computation may run on for others; it resolves with the job as cancelled.
 */
export function followExperiment(id, onUpdate, { signal } = {}) {
  return new Promise((resolve, reject) => {
    const path = `/api/experiments/${encodeURIComponent(id)}/events`;
    const source = new EventSource(withClientId(path)); // EventSource cannot set headers
    let settled = false;
    let job = null;
    const pollInstead = () => {
      if (settled) return;
      settled = true;
      source.close();
      poll(id, onUpdate, signal).then(resolve, reject);
    };
    signal?.addEventListener("abort", () => {
      if (settled) return;
      settled = true;
      source.close();
      resolve(withdrawn(job, id));
    });
    const read = (event) => {
      job = JSON.parse(event.data);
      onUpdate(job);
      return job;
    };
    source.addEventListener("progress", (event) => {
      if (!settled) read(event);
    });
    source.addEventListener("patch", (event) => {
      if (settled) return;
      try {
        job = applyPatch(job, JSON.parse(event.data)); // the stream starts with the whole job
      } catch {
        pollInstead(); // a patch that does not fit: stop trusting the stream
        return;
      }
      onUpdate(job);
    });
    for (const name of FINISHED) {
      source.addEventListener(name, (event) => {
        if (settled) return;
        settled = true;
        source.close();
        resolve(read(event));
      });
    }
    source.onerror = () => {
      // CONNECTING: the browser is reconnecting (and will resume); CLOSED: it gave up.
      if (source.readyState === EventSource.CLOSED) pollInstead();
    };
  });
}
