// The ringside public API, as a play page uses it: one method per endpoint, the bearer token
// held here and replaced on refresh. No DOM. Every answer that is not 2xx becomes an ApiError
// carrying the API's `code` and `message` (SPEC "Conventions"); a request that gets no answer
// becomes one with the code "network".

// Token sessions end this long after their last request (SPEC "Authentication": 1 hour,
// configurable). A refresh answer's expiresAt, read against the same answer's Date header (both
// the server's clock: the browser's may be off by any amount), tells the server's real value,
// which then wins; never less than MIN_TOKEN_TTL_MS, so that no answer can make the page refresh
// over and over.
const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;
const MIN_TOKEN_TTL_MS = 10 * 60 * 1000;

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0 when no answer came
    this.code = code;
    this.body = body; // the parsed error body (a 409 session_active names its sessionId)
  }
}

export class RingsideApi {
  // token: the launch URL's sessionToken. onToken(token, expiresAtMs) is called after a
  // refresh replaced it.
  constructor(token, { onToken = () => {}, origin = "" } = {}) {
    this.token = token;
    this.onToken = onToken;
    this.origin = origin;
    this.tokenTtlMs = DEFAULT_TOKEN_TTL_MS;
    this.lastAnsweredAt = Date.now(); // the URL's token was just minted or used
    this.lastServerDate = NaN; // the last answer's Date header, the server's clock
  }

  // When the token ends if no further request is made: every authenticated request moves it.
  get tokenExpiresAt() {
    return this.lastAnsweredAt + this.tokenTtlMs;
  }

  current() {
    return this.request("POST", "/api/game/current", {});
  }
  games() {
    return this.request("GET", "/api/games");
  }
  game(slug) {
    return this.request("GET", `/api/games/${encodeURIComponent(slug)}`);
  }
  saveSlots(gameSlug) {
    return this.request("GET", `/api/game/save-slots?gameSlug=${encodeURIComponent(gameSlug)}`);
  }
  // { gameSlug, saveSlotId } continues a slot; { gameSlug, fresh: true } starts a new one.
  launch(body) {
    return this.request("POST", "/api/game/launch", body);
  }
  status(sessionId) {
    return this.request(
      "GET",
      `/api/game/session-status?sessionId=${encodeURIComponent(sessionId)}`,
    );
  }
  keepalive(sessionId) {
    return this.request("POST", "/api/game/keepalive", { sessionId });
  }
  stop(sessionId) {
    return this.request("POST", "/api/game/stop", { sessionId });
  }
  // Rotates the token (once per token: a second refresh of one token is 409).
  async refresh() {
    const answer = await this.request("POST", "/session/refresh", {});
    const ttl = Date.parse(answer.expiresAt) - this.lastServerDate;
    this.token = answer.sessionToken;
    if (Number.isFinite(ttl)) this.tokenTtlMs = Math.max(ttl, MIN_TOKEN_TTL_MS);
    this.onToken(this.token, this.tokenExpiresAt);
    return answer;
  }

  async request(method, path, body) {
    const init = {
      method,
      headers: { Authorization: `Bearer ${this.token}` },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.origin + path, init);
    } catch (e) {
      throw new ApiError(0, "network", "The server could not be reached; check the connection.");
    }
    // Any answer but 401 means the token was accepted, which extends its life.
    if (response.status !== 401) this.lastAnsweredAt = Date.now();
    this.lastServerDate = Date.parse(response.headers.get("Date") ?? ""); // NaN when absent
    const parsed = await response.json().catch(() => null);
    if (response.ok) return parsed;
    const code = parsed?.error ?? `http_${response.status}`;
    const message = parsed?.message ?? `The server answered ${response.status}.`;
    throw new ApiError(response.status, code, message, parsed);
  }
}
