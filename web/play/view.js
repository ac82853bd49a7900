// The page's DOM and nothing else: each function renders one part of the state into the
// elements of index.html. No requests, no timers (main.js has the flow).

const $ = (id) => document.getElementById(id);

export function setTitle(title) {
  $("title").textContent = title;
  document.title = `${title} — play`;
}

// The phase in words, from a session-status (or /current's session) answer.
export function statusText(s) {
  switch (s.status) {
    case "starting":
      if (s.phase === "queued") {
        const position = s.queuePosition ?? "?";
        const seconds = Number.isFinite(s.estimatedStartSeconds)
          ? Math.round(s.estimatedStartSeconds)
          : "?";
        return `Queued — position ${position}, about ${seconds} s`;
      }
      if (s.phase === "pulling") return "Downloading the game…";
      return "Starting the game…"; // "creating", or no phase yet
    case "running":
      return "Running";
    case "stopping":
      return "Stopping…";
    case "stopped":
      return "Stopped";
    case "error":
      return `Ended: ${s.error?.message ?? "the session failed."}`;
    default:
      return s.status;
  }
}

export function showStatus(text) {
  const el = $("status");
  if (el.textContent !== text) el.textContent = text;
}

// The last API error (an ApiError: message and code), or none.
export function showError(error) {
  const el = $("error");
  el.replaceChildren();
  el.hidden = !error;
  if (!error) return;
  el.append(`${error.message} `);
  if (error.code) {
    const code = document.createElement("code");
    code.textContent = error.code;
    el.append(code);
  }
}

// A slot's label: its name where the API gives one, else when it was last saved.
export function slotLabel(slot) {
  if (slot.name) return slot.name;
  const when = new Date(slot.updatedAt ?? slot.createdAt);
  if (Number.isNaN(when.getTime())) return "saved game";
  return `saved ${when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`;
}

// One "Continue …" button per slot (newest first), then "Start fresh".
export function showSlots(slots, { onContinue, onFresh }) {
  const el = $("slots");
  const sorted = [...slots].sort((a, b) => (b.updatedAt ?? "").localeCompare(a.updatedAt ?? ""));
  const buttons = sorted.map((slot) => button(`Continue ${slotLabel(slot)}`, () => onContinue(slot)));
  buttons.push(button("Start fresh", onFresh));
  el.replaceChildren(...buttons);
  el.hidden = false;
  keepFocusOn(buttons[0]);
}

// A launch URL without a game: one "Play <title>" button per game of the catalog, where the
// slots go once one is chosen.
export function showGames(games, onChoose) {
  const el = $("slots");
  const buttons = games.map((game) => button(`Play ${game.title}`, () => onChoose(game)));
  el.replaceChildren(...buttons);
  el.hidden = false;
  if (buttons.length > 0) keepFocusOn(buttons[0]);
}

export function hideSlots() {
  $("slots").hidden = true;
  $("slots").replaceChildren();
}

// While a launch is on its way: the slot buttons cannot be pressed twice.
export function disableSlots() {
  for (const b of $("slots").querySelectorAll("button")) b.disabled = true;
}

export function showGame(containerUrl) {
  const frame = $("game");
  if (frame.getAttribute("src") !== containerUrl) frame.src = containerUrl;
  frame.hidden = false;
}

export function hideGame() {
  const frame = $("game");
  frame.hidden = true;
  frame.removeAttribute("src");
}

export function showStop(visible, onStop) {
  const el = $("stop");
  el.onclick = onStop;
  el.disabled = false;
  el.hidden = !visible;
  if (visible) keepFocusOn(el);
}

export function disableStop() {
  $("stop").disabled = true;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return "unknown";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function formatCpu(cpuSeconds) {
  return Number.isFinite(cpuSeconds) ? `${cpuSeconds.toFixed(2)} s CPU` : "unknown";
}

export function formatMemory(peakMemoryMb) {
  return Number.isFinite(peakMemoryMb) ? `${Math.round(peakMemoryMb)} MB peak` : "unknown";
}

// The figures of a stop answer: duration, cpuSeconds, peakMemoryMb (null when unknown).
export function showFigures(figures) {
  $("duration").textContent = formatDuration(figures.duration);
  $("cpu").textContent = formatCpu(figures.cpuSeconds);
  $("memory").textContent = formatMemory(figures.peakMemoryMb);
  $("figures").hidden = false;
}

export function hideFigures() {
  $("figures").hidden = true;
}

export function showLobby(url) {
  const el = $("lobby");
  el.href = url;
  el.hidden = false;
}

// A keyboard user whose focused button just went away (a slot after the launch, Stop after the
// stop) lands on the control that replaced it, not at the top of the page. Never before the
// player has used the page: a page in a platform's frame must not take the focus on load.
function keepFocusOn(el) {
  if (!navigator.userActivation?.hasBeenActive) return;
  const focused = document.activeElement;
  if (!focused || focused === document.body || focused.hidden || !focused.isConnected) el.focus();
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}
