import { test } from "node:test";
import assert from "node:assert/strict";

import { CLIENT_ID, clientHeaders, withClientId } from "../../frontend/js/client_id.js";

test("the tab's id is one the server accepts as a client id", () => {
  assert.match(CLIENT_ID, /^[A-Za-z0-9_-]{1,64}$/);
  assert.deepEqual(clientHeaders(), { "X-Client-Id": CLIENT_ID });
});

test("paths that cannot carry headers get the id as a query parameter", () => {
  assert.equal(withClientId("/api/x/events"), `/api/x/events?client_id=${CLIENT_ID}`);
  assert.equal(withClientId("/a?b=1"), `/a?b=1&client_id=${CLIENT_ID}`);
});
