// A build log drawn by xterm.js: ANSI colours, `\r` progress lines, follows the tail unless the
// reader scrolled up. Text arriving faster than the screen refreshes is written once per frame,
// so ten thousand lines cost a few hundred writes, not ten thousand.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";

const THEME = {
  background: "#14171c",
  foreground: "#d8dee9",
  cursor: "#14171c",
  selectionBackground: "#3b4252",
};

export class LogView {
  constructor(element) {
    this.element = element;
    this.text = "";
    this.pending = [];
    this.frame = 0;
    // Latency from an event's arrival to the frame that shows it, for the budget benchmark.
    this.stats = { events: 0, drawn: 0, maxLatency: 0, latencies: [] };
    this.terminal = new Terminal({
      convertEol: true,
      disableStdin: true,
      cursorBlink: false,
      cursorStyle: "underline",
      scrollback: 100000,
      fontSize: 13,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      theme: THEME,
    });
    this.fit = new FitAddon();
    this.terminal.loadAddon(this.fit);
    this.terminal.open(element);
    const textarea = element.querySelector("textarea");
    if (textarea) {
      textarea.setAttribute("aria-label", "Build log (read only)");
      textarea.setAttribute("tabindex", "-1");
    }
    this.resize();
    new ResizeObserver(() => this.resize()).observe(element);
  }

  resize() {
    if (this.element.offsetParent !== null) this.fit.fit();
  }

  /** Add text that arrived at `arrived` (performance.now()); drawn at the next frame. */
  write(text, arrived = performance.now()) {
    this.text += text;
    this.stats.events += 1;
    this.pending.push([text, arrived]);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    const batch = this.pending;
    this.pending = [];
    this.terminal.write(batch.map(([text]) => text).join(""), () => {
      // Parsed; xterm paints it in the next animation frame.
      requestAnimationFrame(() => {
        const now = performance.now();
        for (const [, arrived] of batch) {
          const latency = now - arrived;
          this.stats.drawn += 1;
          if (latency > this.stats.maxLatency) this.stats.maxLatency = latency;
          if (this.stats.latencies.length < 20000) this.stats.latencies.push(latency);
        }
      });
    });
  }

  /** Replace everything shown with `text`. */
  reset(text = "") {
    this.terminal.reset();
    this.text = "";
    if (text) this.write(text);
  }
}
