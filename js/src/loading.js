// The loading page (/v2/<provider>/<spec>): follows the build's events, shows the phases, the
// elapsed time, the queue position and the live log, and opens the server when it is ready.
import { followEvents } from "./events.js";
import { LogView } from "./logview.js";

const $ = (id) => document.getElementById(id);

// Upstream's phases and where each puts the progress bar; `built` counts as pushing, as upstream.
const STEPS = ["waiting", "building", "pushing", "launching"];
const STEP_OF = { waiting: 0, fetching: 0, building: 1, pushing: 2, built: 2, launching: 3, ready: 4 };
const LABELS = {
  waiting: "Waiting for the build to start",
  building: "Building the environment",
  pushing: "Storing the image",
  built: "Image ready",
  launching: "Starting your server",
  ready: "Ready: opening your server",
};

/** Where to go in the server: upstream's labpath, filepath and urlpath query parameters. */
export function serverPath(search) {
  const params = new URLSearchParams(search);
  const strip = (s) => s.replace(/^\/+/, "").replace(/\/+$/, "");
  if (params.get("labpath")) return "doc/tree/" + encodeURI(strip(params.get("labpath")));
  if (params.get("filepath")) return "tree/" + encodeURI(strip(params.get("filepath")));
  return (params.get("urlpath") || "").replace(/^\/+/, "");
}

function formatElapsed(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function startLoading(config) {
  const base = new URL(config.baseUrl, window.location.href);
  const prefix = `${base.pathname}v2/${config.providerId}/`;
  const spec = window.location.pathname.slice(prefix.length);
  const status = $("status");
  const bar = $("progress");
  const logCard = $("log-card");
  const toggle = $("btn-show-log");
  const view = new LogView($("log"));
  window.binderdLog = view; // read by the tests and the budget benchmark
  view.write("Logs will appear here when the image is being built.\r\n");

  const started = performance.now();
  const timer = setInterval(() => ($("elapsed").textContent = formatElapsed(performance.now() - started)), 1000);

  function showLog(visible) {
    logCard.classList.toggle("collapsed", !visible);
    toggle.setAttribute("aria-expanded", String(visible));
    toggle.textContent = visible ? "Hide log" : "Show log";
    if (visible) view.resize();
  }
  toggle.addEventListener("click", () => showLog(logCard.classList.contains("collapsed")));

  function setPhase(phase) {
    const step = STEP_OF[phase];
    if (step === undefined) return;
    bar.setAttribute("aria-valuenow", String(Math.min(step, 4)));
    bar.setAttribute("aria-valuetext", LABELS[phase]);
    bar.dataset.phase = phase;
    STEPS.forEach((name, i) => {
      const item = document.querySelector(`[data-step=${name}]`);
      item.classList.toggle("done", i < step);
      item.classList.toggle("current", i === step);
    });
    status.textContent = LABELS[phase] + "…";
  }

  function showLogLink(url) {
    const link = $("build-log-link");
    link.href = url;
    link.textContent = url;
    $("build-log").hidden = false;
  }

  let first = true;
  function onEvent(event, arrived) {
    if (first && event.message) {
      view.reset();
      first = false;
    }
    if (event.message) view.write(event.message, arrived);
    if (event.build_log_url) showLogLink(event.build_log_url);
    const queue = $("queue");
    if (event.queue_position) {
      queue.textContent = `Position ${event.queue_position} in the build queue`;
      queue.hidden = false;
    } else if (event.phase && event.phase !== "waiting") {
      queue.hidden = true;
    }
    if (event.phase === "failed") {
      clearInterval(timer);
      bar.dataset.phase = "failed";
      bar.setAttribute("aria-valuetext", "Failed");
      status.textContent = "Launching your Binder failed: " + (event.message || "").trim();
      status.classList.add("failed");
      document.body.classList.add("failed");
      showLog(true);
      return true;
    }
    setPhase(event.phase);
    if (event.phase === "ready") {
      clearInterval(timer);
      const target = new URL(serverPath(window.location.search), event.url);
      target.searchParams.set("token", event.token);
      window.location.href = target.toString();
      return true;
    }
    return false;
  }

  const buildUrl = new URL(`build/${config.providerId}/${spec}`, base);
  if (config.buildToken) buildUrl.searchParams.set("build_token", config.buildToken);
  setPhase("waiting");
  followEvents(buildUrl, onEvent).catch((e) => onEvent({ phase: "failed", message: `${e}\n` }, performance.now()));
}
