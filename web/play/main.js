// The play page's flow (docs/play-page.md): resume or offer the save slots, launch, poll the
// status, show the game, keep it alive while visible, refresh the token, stop. The API client
// (api.js) and the DOM (view.js) are separate, so this file reads as the whole protocol.
import { ApiError, RingsideApi } from "./api.js";
import * as view from "./view.js";

const POLL_STARTING_MS = 2000; // SPEC: status every 2 s until running
const POLL_RUNNING_MS = 10000; // only to notice an end (error, stopped elsewhere)
const KEEPALIVE_MS = 20000; // SPEC: at least every 30 s while visible
const REFRESH_BEFORE_MS = 5 * 60 * 1000; // refresh the token this long before it would expire
const REFRESH_RETRY_MS = 60 * 1000;
const TOKEN_STORE = "ringside.play.token";

const params = new URLSearchParams(location.search);
const pathSlug = slugOfPath(location.pathname);
// "" for a launch URL without a game ({iframeBase}/?sessionToken=…): the player chooses one.
let gameSlug = params.get("id") || pathSlug;

// The last path segment, decoded; "" when it is not valid percent-encoding (the API then says
// the game is unknown, instead of the module failing to load).
function slugOfPath(path) {
  try {
    return decodeURIComponent(path.split("/").pop() || "");
  } catch {
    return "";
  }
}

let api = null;
let session = null; // the last status of the session this page follows
let pollTimer = 0;
let keepaliveTimer = 0;
let refreshTimer = 0;

boot();

async function boot() {
  view.setTitle(gameSlug || "Play");
  const lobby = httpUrl(params.get("lobbyUrl"));
  if (lobby) view.showLobby(lobby);
  const token = startingToken(params.get("sessionToken"));
  if (!token) {
    view.showStatus("Cannot play now");
    view.showError(new ApiError(0, "unauthorized", "This page needs the sessionToken of a launch URL."));
    return;
  }
  api = new RingsideApi(token, { onToken: keepToken });
  scheduleRefresh();
  document.addEventListener("visibilitychange", onVisibilityChange);
  try {
    const current = await api.current();
    if (current.active) return follow(current.session);
    await (gameSlug ? offerSlots() : offerGames());
  } catch (e) {
    view.showStatus("Cannot play now");
    fail(e);
  }
}

// The URL's token, unless this tab refreshed it already: the newer one is kept in
// sessionStorage (the platform's iframe src still names the old one on a reload).
function startingToken(urlToken) {
  const kept = readKept();
  if (kept && urlToken && (kept.token === urlToken || kept.replaced?.includes(urlToken))) {
    if (kept.token !== urlToken) putTokenInUrl(kept.token);
    return kept.token;
  }
  writeKept(null); // another launch URL: its token is the one to use
  return urlToken;
}

function keepToken(token) {
  const kept = readKept();
  const replaced = [...(kept?.replaced ?? []), kept?.token ?? params.get("sessionToken")];
  writeKept({ token, replaced: replaced.slice(-20) });
  putTokenInUrl(token);
}

// sessionStorage may be refused (storage blocked in a third-party frame): the page then works
// without it, as long as its URL is not reloaded from the platform's original.
function readKept() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKEN_STORE));
  } catch {
    return null;
  }
}

function writeKept(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_STORE, JSON.stringify(value));
    else sessionStorage.removeItem(TOKEN_STORE);
  } catch {
    // as above
  }
}

// A reload of this page keeps working with the newest token.
function putTokenInUrl(token) {
  setUrlParam("sessionToken", token);
}

// The page's own URL gets `name=value`, without a navigation.
function setUrlParam(name, value) {
  const url = new URL(location.href);
  url.searchParams.set(name, value);
  history.replaceState(history.state, "", url);
}

// No game in the launch URL: the catalog's games to choose from. The one chosen goes into the
// URL (a reload offers its slots), then its slots are offered.
async function offerGames({ afterSession = false } = {}) {
  const answer = await api.games();
  if (!afterSession) view.showStatus("Choose a game");
  view.showGames(answer.games ?? [], (game) => {
    gameSlug = game.slug;
    setUrlParam("id", game.slug);
    view.hideSlots();
    offerSlots().catch(fail);
  });
}

// The player's saved slots of this game to continue, or a fresh start. After a session the
// status keeps saying how it ended.
async function offerSlots({ afterSession = false } = {}) {
  api.game(gameSlug).then((g) => view.setTitle(g.title), fail);
  const answer = await api.saveSlots(gameSlug);
  if (!afterSession) view.showStatus("Ready to play");
  view.showSlots(answer.slots ?? [], {
    onContinue: (slot) => launch({ gameSlug, saveSlotId: slot.id }),
    onFresh: () => launch({ gameSlug, fresh: true }),
  });
}

async function launch(body) {
  view.disableSlots();
  view.showError(null);
  try {
    const answer = await api.launch(body);
    view.hideSlots();
    view.hideFigures();
    follow({ sessionId: answer.sessionId, status: answer.status ?? "starting" });
  } catch (e) {
    // Already playing (another tab, or a launch that crossed a reload): follow that one.
    if (e instanceof ApiError && e.code === "session_active" && e.body?.sessionId) {
      view.hideSlots();
      return follow({ sessionId: e.body.sessionId, status: "starting" }, { pollNow: true });
    }
    fail(e);
    offerSlots().catch(fail);
  }
}

// Shows a session's status and keeps following it until it ends.
function follow(status, { pollNow = false } = {}) {
  session = status;
  render(status);
  if (ended(status)) return finish(status);
  view.showStop(true, stop);
  schedulePoll(pollNow ? 0 : pollDelay());
  scheduleKeepalive(KEEPALIVE_MS);
}

function render(s) {
  if (s.gameTitle) view.setTitle(s.gameTitle);
  view.showStatus(view.statusText(s));
  if (s.status === "running" && s.containerUrl) view.showGame(s.containerUrl);
}

const ended = (s) => s.status === "stopped" || s.status === "error";
const pollDelay = () => (session?.status === "running" ? POLL_RUNNING_MS : POLL_STARTING_MS);

function schedulePoll(delay) {
  clearTimeout(pollTimer);
  if (document.visibilityState !== "visible" || !session) return;
  pollTimer = setTimeout(poll, delay);
}

async function poll() {
  const id = session?.sessionId;
  if (!id) return;
  try {
    const status = await api.status(id);
    if (session?.sessionId !== id) return; // stopped meanwhile
    session = status;
    view.showError(null);
    render(status);
    if (ended(status)) return finish(status);
  } catch (e) {
    fail(e);
    if (e.status === 401) return halt();
    if (e.status === 404) return finish({ status: "stopped" });
  }
  schedulePoll(pollDelay());
}

function scheduleKeepalive(delay) {
  clearTimeout(keepaliveTimer);
  if (document.visibilityState !== "visible" || !session) return;
  keepaliveTimer = setTimeout(keepalive, delay);
}

async function keepalive() {
  const id = session?.sessionId;
  if (!id) return;
  try {
    await api.keepalive(id);
  } catch (e) {
    if (e.status === 404) return schedulePoll(0); // it ended: the status says how
    fail(e);
    if (e.status === 401) return halt();
  }
  scheduleKeepalive(KEEPALIVE_MS);
}

function onVisibilityChange() {
  if (document.visibilityState === "visible") {
    if (!session) return;
    schedulePoll(0);
    scheduleKeepalive(0);
  } else {
    clearTimeout(pollTimer);
    clearTimeout(keepaliveTimer);
  }
}

// Refreshes the token REFRESH_BEFORE_MS before it would expire. Each request pushes that
// moment back (SPEC: a token lives an hour past its last request), so while the page polls it
// never comes; it comes for a page hidden that long, whose token then stays alive.
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const wait = api.tokenExpiresAt - REFRESH_BEFORE_MS - Date.now();
  refreshTimer = setTimeout(wait > 0 ? recheckRefresh : refreshToken, Math.max(wait, 0));
}

function recheckRefresh() {
  if (api.tokenExpiresAt - REFRESH_BEFORE_MS > Date.now()) return scheduleRefresh();
  refreshToken();
}

async function refreshToken() {
  try {
    await api.refresh();
    scheduleRefresh();
  } catch (e) {
    fail(e);
    if (e.status === 0) refreshTimer = setTimeout(refreshToken, REFRESH_RETRY_MS);
  }
}

async function stop() {
  const id = session?.sessionId;
  if (!id) return;
  view.disableStop();
  try {
    const figures = await api.stop(id);
    finish({ sessionId: id, status: figures.status ?? "stopped" }, figures);
  } catch (e) {
    fail(e);
    view.showStop(true, stop);
  }
}

// The session ended: the figures when the page stopped it, then the slots to play again.
function finish(status, figures) {
  halt();
  view.showStatus(view.statusText(status));
  if (figures) view.showFigures(figures);
  // A session resumed on a page without a game (its status does not name its slug): the games.
  const offer = gameSlug ? offerSlots : offerGames;
  offer({ afterSession: true }).catch(fail);
}

// Nothing more to follow: timers off, the game and the stop button gone.
function halt() {
  session = null;
  clearTimeout(pollTimer);
  clearTimeout(keepaliveTimer);
  view.hideGame();
  view.showStop(false, null);
}

function fail(e) {
  view.showError(e instanceof ApiError ? e : new ApiError(0, "page", String(e?.message ?? e)));
}

function httpUrl(text) {
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
