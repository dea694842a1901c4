// What both standalone pages share: the data the exporter inlined, and how a page that
// failed says so. The data are a JSON <script> (#descentlab-export) that
// backend/descentlab/export/page.py writes: {kind, title, lesson, labLink, state, …}.

import { mountModebarKeys } from "../modebar_keys.js";

export const DATA_ELEMENT_ID = "descentlab-export";

/** The page's data, parsed from its JSON <script>. */
export function readExport(doc = document) {
  const element = doc.getElementById(DATA_ELEMENT_ID);
  if (!element) throw new Error(`no #${DATA_ELEMENT_ID} element: this page was not written by descentlab export`);
  return JSON.parse(element.textContent);
}

/** Run `start`, and show (and rethrow) what went wrong if it fails. */
export function boot(start) {
  try {
    mountModebarKeys();
    start();
  } catch (error) {
    const status = document.getElementById("status");
    if (status) status.textContent = `This page could not start: ${error.message}`;
    throw error;
  }
}
