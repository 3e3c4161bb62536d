// Reads binderd's /build event stream with fetch (so it can be cancelled and send headers) and
// hands each event to a callback, stamped with the moment it arrived.

/** Follow `url`'s server-sent events until the stream ends or `onEvent` returns true (stop). */
export async function followEvents(url, onEvent, signal) {
  // With logins on, JupyterHub's cookie auth wants the xsrf token of the login cookie as a header.
  const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]+)/) || [])[1];
  const headers = { Accept: "text/event-stream" };
  if (xsrf) headers["X-Xsrftoken"] = decodeURIComponent(xsrf);
  const response = await fetch(url, { headers, signal });
  if (!response.ok || !response.body) {
    onEvent({ phase: "failed", message: `Failed to connect to event stream: ${response.status} - ${response.statusText}\n` }, performance.now());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const arrived = performance.now();
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data) continue; // a keepalive comment
      let event;
      try {
        event = JSON.parse(data);
      } catch {
        continue;
      }
      if (onEvent(event, arrived)) {
        reader.cancel();
        return;
      }
    }
  }
  onEvent({ phase: "failed", message: "Event stream closed unexpectedly\n", closed: true }, performance.now());
}
