// What a job's JSON (from POST, GET or an SSE event) means for the page: running or not,
// how far, what to show meanwhile, the result or the error. Pure.

export const FINISHED = ["done", "failed", "cancelled"];

/**
 * The view of a job: {status, running, fraction (null: not started, draw an indeterminate
 * bar), text, partial, result, error}. `verb` names the work ("Training").
 */
export function jobView(job, verb = "Running") {
  const status = job?.status ?? "queued";
  const fraction = Number.isFinite(job?.progress) ? Math.min(Math.max(job.progress, 0), 1) : 0;
  const view = {
    status, running: !FINISHED.includes(status), fraction, text: "",
    partial: job?.partial ?? null, result: null, error: null,
  };
  if (status === "queued") return { ...view, fraction: null, text: "Waiting for a free worker…" };
  if (status === "running") return { ...view, text: `${verb}… ${Math.round(100 * fraction)}%` };
  if (status === "done") return { ...view, partial: null, fraction: 1, text: "Done.", result: job.result };
  if (status === "cancelled") return { ...view, partial: null, text: "Cancelled." };
  return { ...view, partial: null, text: "Failed.", error: job?.error || "the experiment failed" };
}

/** Whether a failed submission was refused because the server does not know the kind. */
export function isUnknownKind(error) {
  return error?.status === 422 && /\bkind\b/.test(error.message ?? "") && /does not match|unknown/i.test(error.message ?? "");
}

export { problemMessage } from "../problems.js"; // one definition, for the page's own modules
