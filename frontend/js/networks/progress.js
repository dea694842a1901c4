// One job control: the button that starts a job, a <progress> bar with a Cancel button
// while it runs, and the error (the API's problem+json detail) next to the button.
//
// Markup (inside `root`): button.run, .job-status > progress, .job-label, button.cancel;
// p.job-error.

import { jobView } from "./job.js";

export class JobControl {
  /**
   * `root`: the .job element; `verb` names the work in the label ("Training");
   * `describe(error)` words a failed request (default: the API's own message).
   */
  constructor(root, api, verb, { describe = (error) => error.message } = {}) {
    this.api = api;
    this.verb = verb;
    this.describe = describe;
    this.button = root.querySelector("button.run");
    this.status = root.querySelector(".job-status");
    this.bar = root.querySelector("progress");
    this.label = root.querySelector(".job-label");
    this.cancelButton = root.querySelector("button.cancel");
    this.errorLine = root.querySelector(".job-error");
    this.jobId = null;
    this.following = null; // an AbortController while a job is followed
    this.cancelButton.addEventListener("click", () => this.cancel());
  }

  get busy() {
    return this.button.disabled;
  }

  /** Say what went wrong next to the button (empty text clears it). */
  showError(message) {
    this.showMessage(message ? `⚠ ${message}` : "", true);
  }

  showMessage(text, isError = false) {
    this.errorLine.textContent = text;
    this.errorLine.classList.toggle("note", !isError);
    this.errorLine.hidden = !text;
  }

  showProgress(view) {
    this.status.hidden = false;
    if (view.fraction === null) this.bar.removeAttribute("value"); // indeterminate: not started
    else this.bar.value = view.fraction;
    this.label.textContent = view.text;
  }

  /**
   * Submit `kind` with `params`, follow it, and resolve with the finished job (null when it
   * could not start). `onUpdate(job)` sees every snapshot, partial results included.
   */
  async run(kind, params, { onUpdate = () => {} } = {}) {
    if (this.busy) return null;
    this.showError("");
    this.button.disabled = true;
    this.cancelButton.disabled = false;
    this.showProgress({ fraction: null, text: "Submitting…" });
    try {
      const accepted = await this.api.submitExperiment(kind, params);
      this.jobId = accepted.id;
      this.following = new AbortController();
      const job = await this.api.followExperiment(accepted.id, (snapshot) => {
        this.showProgress(jobView(snapshot, this.verb));
        onUpdate(snapshot);
      }, { signal: this.following.signal });
      const view = jobView(job, this.verb);
      if (view.error) this.showError(view.error);
      else if (job.status === "cancelled") this.showMessage("Cancelled.");
      return job;
    } catch (error) {
      this.showError(this.describe(error));
      return null;
    } finally {
      this.jobId = null;
      this.following = null;
      this.button.disabled = false;
      this.status.hidden = true;
    }
  }

  async cancel() {
    if (this.jobId === null) return;
    this.cancelButton.disabled = true;
    this.label.textContent = "Cancelling…";
    try {
      await this.api.cancelExperiment(this.jobId);
      // This tab no longer wants it (others who asked for the same may: it runs on for them).
      this.following?.abort();
    } catch (error) {
      this.showError(error.message);
    }
  }
}

/** The markup of a job control, for panels built in script. */
export function jobMarkup(label, name) {
  return `<button type="button" class="primary run">${label}</button>
    <span class="job-status" hidden><progress max="1" aria-label="${name} progress"></progress>
    <span class="job-label" aria-live="polite"></span>
    <button type="button" class="cancel">Cancel</button></span>
    <p class="job-error" role="alert" hidden></p>`;
}
