// A random id for this tab, sent with every API call as `X-Client-Id` (and as the
// `client_id` query parameter where a header cannot be set, e.g. EventSource). A server
// with a rate limit keys clients by IP *and* this id, so a class behind one school NAT is
// not throttled as one user. It identifies nothing: a new tab gets a new id.

const HEADER = "X-Client-Id";

function randomId() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const CLIENT_ID = randomId();

/** Headers to add to a fetch. */
export const clientHeaders = () => ({ [HEADER]: CLIENT_ID });

/** `path` with the id as a query parameter (for requests that cannot carry headers). */
export function withClientId(path) {
  const separator = path.includes("?") ? "&" : "?";
  return `${path}${separator}client_id=${encodeURIComponent(CLIENT_ID)}`;
}
