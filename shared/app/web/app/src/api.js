// The triage API from the browser: Bearer token, JSON, errors as ApiError or OfflineError.

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code || `http_${status}`;
    this.body = body;
  }
}

/** The API could not be reached (network down, server stopped or restarting). */
export class OfflineError extends Error {
  constructor(message) {
    super(message || "offline");
    this.name = "OfflineError";
  }
}

const BASE = "/api/v1";
/** A call that has had no answer after this long is given up as unreachable, so a connection
 * left hanging (a proxy, a server stopped mid-answer) never stalls the poll or an edit. */
const TIMEOUT_MS = 20000;

function query(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

/**
 * @param {string} token
 * @param {{onReach?: (ok: boolean) => void, timeoutMs?: number}} hooks  told after each call
 *   whether the API answered; how long to wait for an answer
 */
export function createApi(token, hooks = {}) {
  const reach = (ok) => { if (hooks.onReach) hooks.onReach(ok); };
  async function call(method, path, body, headers = {}) {
    const h = { Authorization: `Bearer ${token}`, Accept: "application/json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(BASE + path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        keepalive: method === "POST" && path.endsWith("/release"),
        signal: AbortSignal.timeout(hooks.timeoutMs || TIMEOUT_MS),
      });
    } catch (e) {
      reach(false);
      throw new OfflineError(e && e.message);
    }
    // A proxy or a restarting server: treated as unreachable, so edits wait and retry.
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      reach(false);
      throw new OfflineError(`HTTP ${res.status}`);
    }
    reach(true);
    const etag = res.headers.get("ETag");
    if (res.status === 304) return { status: 304, body: null, etag };
    let json = null;
    const text = await res.text().catch(() => "");
    if (text) { try { json = JSON.parse(text); } catch { json = null; } }
    if (!res.ok) {
      const err = (json && json.error) || {};
      throw new ApiError(res.status, err.code, err.message || text.slice(0, 200), json);
    }
    return { status: res.status, body: json, etag };
  }
  return {
    token,
    /** GET, answering the body (throws on an error status). */
    async get(path, params, headers) {
      return (await call("GET", path + query(params), undefined, headers)).body;
    },
    /** GET with the whole answer, for If-None-Match / 304. */
    raw(path, params, headers) {
      return call("GET", path + query(params), undefined, headers);
    },
    /** Any method: {status, body, etag}. */
    send(method, path, body, headers) {
      return call(method, path, body, headers);
    },
  };
}
