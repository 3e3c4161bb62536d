// What the home form computes: the provider a pasted URL belongs to, the share link, the badges.
// Everything here is a pure function of the providers' display_config and the form's values.

/** The repository part of what was typed: a provider's detect.regex `repo` group, or the text. */
export function repoFromInput(provider, text) {
  const value = text.trim();
  if (!provider.detect || !provider.detect.regex) return value;
  const match = new RegExp(provider.detect.regex).exec(value);
  return match && match.groups && match.groups.repo ? match.groups.repo : "";
}

/** The provider a pasted URL belongs to (its detect.regex matched the URL part), or null. */
export function detectProvider(providers, text, current) {
  const value = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return null;
  for (const provider of providers) {
    if (!provider.detect || !provider.detect.regex) continue;
    const match = new RegExp(provider.detect.regex).exec(value);
    if (match && match[1]) return provider;
  }
  // Another URL typed where a GitHub-like provider expects a name: the generic git provider.
  if (current && current.detect && /^(https?|git|ssh):\/\//i.test(value)) {
    return providers.find((p) => p.id === "git") || null;
  }
  return null;
}

/** The path query for a file to open in JupyterLab, or a URL path, as upstream writes it. */
export function pathQuery(kind, path) {
  const value = path.trim();
  if (!value) return "";
  const urlpath = kind === "file" ? "/doc/tree/" + value.replace(/^\/+/, "") : value;
  return "?" + new URLSearchParams({ urlpath }).toString();
}

/** `v2/<id>/<repo>/<ref>` plus the path query, relative to binderd's public URL; "" if incomplete. */
export function launchPath(provider, repoText, ref, kind, path) {
  const repo = repoFromInput(provider, repoText);
  if (!repo) return "";
  const encoded = provider.repo.urlEncode ? encodeURIComponent(repo) : repo;
  const refPart = provider.ref.enabled ? ref.trim() || provider.ref.default || "HEAD" : "";
  return `v2/${provider.id}/${encoded}/${refPart}` + pathQuery(kind, path);
}

/** The badge snippet for a README, in Markdown or reStructuredText. */
export function badge(format, publicBase, launchUrl) {
  const image = new URL("badge_logo.svg", publicBase).toString();
  if (format === "rst") return `.. image:: ${image}\n :target: ${launchUrl}`;
  return `[![Binder](${image})](${launchUrl})`;
}
