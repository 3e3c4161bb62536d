// A kept build log (/logs/<id>): the whole log in the same viewer, following it while the build runs.
import { LogView } from "./logview.js";

export function startLogPage(config) {
  const view = new LogView(document.getElementById("log"));
  window.binderdLog = view;
  const state = document.getElementById("log-state");
  let offset = 0;
  async function poll() {
    const response = await fetch(`${config.logRawUrl}?offset=${offset}`, { cache: "no-store" });
    if (!response.ok) {
      state.textContent = `The log could not be read (${response.status}).`;
      return;
    }
    const text = await response.text();
    offset += new TextEncoder().encode(text).length;
    if (text) view.write(text);
    if (response.headers.get("X-Build-Finished") === "true") {
      state.textContent = "The build has finished; this is its whole log.";
      return;
    }
    state.textContent = "The build is still running; new lines appear as they come.";
    setTimeout(poll, 1000);
  }
  poll();
}
