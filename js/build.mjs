// Bundles src/ into binderd/static/bundle/: one minified script and one stylesheet for every page.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "binderd", "static", "bundle");

await build({
  entryPoints: { binderd: path.join(here, "src", "index.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  legalComments: "none",
  logLevel: "warning",
});
await build({
  entryPoints: { binderd: path.join(here, "src", "style.css") },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: "warning",
});
console.log("built", out);
