// Applying an event stream's JSON Patch (RFC 6902) to the job it came with: the server
// sends the whole job once, then only what changed (a growing curve's new points).
// Pure: the result is a new document in which every object or array on a patched path is
// a new one (so Plotly.react, which compares arrays by reference, sees the change) and
// everything else is shared with the document given.
// The server uses `add` (on an object member: set it; at `list/-`: append) and `remove`.

/** The reference tokens of a JSON Pointer (RFC 6901), unescaped. */
function tokens(pointer) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer.slice(1).split("/").map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** `container` (an object or array) with `op` applied at `keys`, copied on the way down. */
function withChange(container, keys, op, value, path) {
  if (container === null || typeof container !== "object") throw new Error(`no ${path} in the job`);
  const [key, ...rest] = keys;
  const copy = Array.isArray(container) ? [...container] : { ...container };
  if (rest.length > 0) {
    if (!(key in container)) throw new Error(`no ${path} in the job`);
    copy[key] = withChange(container[key], rest, op, value, path);
    return copy;
  }
  if (Array.isArray(copy)) {
    const index = key === "-" ? copy.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > copy.length) throw new Error(`bad index in ${path}`);
    if (op === "add") copy.splice(index, 0, value);
    else if (op === "replace") copy[index] = value;
    else if (op === "remove") copy.splice(index, 1);
    else throw new Error(`unsupported operation ${op}`);
  } else if (op === "add" || op === "replace") {
    copy[key] = value;
  } else if (op === "remove") {
    delete copy[key];
  } else {
    throw new Error(`unsupported operation ${op}`);
  }
  return copy;
}

/** `document` with `operations` applied in order, as a new document (see above). */
export function applyPatch(document, operations) {
  return operations.reduce((current, { op, path, value }) => {
    const keys = tokens(path);
    if (keys.length > 0) return withChange(current, keys, op, value, path);
    if (op !== "add" && op !== "replace") throw new Error(`cannot ${op} the whole document`);
    return value;
  }, document);
}
