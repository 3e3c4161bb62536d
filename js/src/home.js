// The home page: the launch form, the share link and badges it writes, and launching.
import { badge, detectProvider, launchPath } from "./links.js";

const $ = (id) => document.getElementById(id);

/** Copy `text`; say so next to the button for sighted and screen-reader users alike. */
export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = label), 1500);
}

export function startHome(config) {
  const providers = config.repoProviders;
  const publicBase = new URL(config.badgeBaseUrl || config.baseUrl, window.location.href);
  const select = $("provider");
  const repo = $("repository");
  const ref = $("ref");
  const path = $("path");
  const pathType = $("path-type");
  const urlBox = $("launch-url");
  const badgeBox = $("badge-snippet");
  const launch = $("btn-launch");
  let badgeFormat = "md";

  for (const p of providers) select.add(new Option(p.displayName, p.id));
  const current = () => providers.find((p) => p.id === select.value) || providers[0];

  function showProvider() {
    const p = current();
    $("repository-label").textContent = p.repo.label;
    repo.placeholder = p.repo.placeholder || "";
    ref.disabled = !p.ref.enabled;
    ref.placeholder = p.ref.enabled ? p.ref.default || "HEAD" : "no ref for this provider";
    if (!p.ref.enabled) ref.value = "";
  }

  function showPathType() {
    const file = pathType.value === "file";
    $("path-label").textContent = file ? "File to open (in JupyterLab)" : "URL to open";
    path.placeholder = file ? "e.g. index.ipynb" : "e.g. /rstudio";
  }

  function update() {
    const relative = launchPath(current(), repo.value, ref.value, pathType.value, path.value);
    const url = relative ? new URL(relative, publicBase).toString() : "";
    urlBox.textContent = url || "Fill in the fields to see a URL for sharing your Binder.";
    urlBox.classList.toggle("empty", !url);
    badgeBox.textContent = url ? badge(badgeFormat, publicBase, url) : "Fill in the fields to see a badge markup for your README.";
    badgeBox.classList.toggle("empty", !url);
    $("btn-copy-url").disabled = !url;
    $("btn-copy-badge").disabled = !url;
    launch.disabled = !url;
    return relative;
  }

  select.addEventListener("change", () => { showProvider(); update(); });
  repo.addEventListener("input", () => {
    const found = detectProvider(providers, repo.value, current());
    if (found && found.id !== select.value) {
      select.value = found.id;
      showProvider();
      $("detected").textContent = `Detected ${found.displayName}.`;
    }
    update();
  });
  for (const input of [ref, path]) input.addEventListener("input", update);
  pathType.addEventListener("change", () => { showPathType(); update(); });
  for (const radio of document.querySelectorAll("input[name=badge-format]")) {
    radio.addEventListener("change", () => { badgeFormat = radio.value; update(); });
  }
  $("btn-copy-url").addEventListener("click", (e) => copyText(urlBox.textContent, e.currentTarget));
  $("btn-copy-badge").addEventListener("click", (e) => copyText(badgeBox.textContent, e.currentTarget));
  $("launch-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const relative = update();
    if (!relative) return;
    launch.disabled = true;
    launch.textContent = "launching...";
    // The loading page is the launch: one place for the progress, and its address can be shared.
    window.location.href = new URL(relative, new URL(config.baseUrl, window.location.href)).toString();
  });

  showProvider();
  showPathType();
  update();
}
