// The API's problem+json answers as text for the page. Pure (no request): the standalone
// export bundles it.

/** The message of a problem+json body (`detail`), or a fallback naming the HTTP status. */
export function problemMessage(payload, status) {
  if (payload && typeof payload.detail === "string" && payload.detail) return payload.detail;
  return `the server answered HTTP ${status}`;
}
