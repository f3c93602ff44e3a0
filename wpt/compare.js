// Compares two `rt wpt --json` result files (rt's and a peer's) on identical
// subtests: for each variant, the subtests either runtime reported; a
// subtest counts as passed for a runtime only when it reported it passing.
// A variant that crashed or timed out under one runtime therefore counts
// its subtests as failed there, not as absent.
//
//   rt run wpt/compare.js target/wpt-rt.json target/wpt-deno.json [--details]
//
// Prints a Markdown table per folder (as `rt wpt` groups them) and, with
// `--details`, every variant where the peer passes a subtest rt does not.

import { readFileSync } from "node:fs";

const [rtFile, peerFile, ...flags] = process.argv.slice(2);
if (!rtFile || !peerFile) {
  console.error("usage: rt run wpt/compare.js RT.json PEER.json [--details]");
  process.exit(2);
}
const details = flags.includes("--details");

/** Variant path -> Map(subtest name -> passed). */
function load(file) {
  const byVariant = new Map();
  for (const outcome of JSON.parse(readFileSync(file, "utf8"))) {
    if (outcome.skipped) continue;
    const subtests = new Map();
    for (const { name, status } of outcome.subtests) {
      // A name reported twice passes only if every report passed.
      subtests.set(name, (subtests.get(name) ?? true) && status === 0);
    }
    byVariant.set(outcome.variant, { subtests, completed: outcome.harness === 0 });
  }
  return byVariant;
}

/** The folder a variant is reported under (as `rt wpt` prints them). */
function folderOf(variant) {
  const parts = variant.split("/");
  if (parts.length > 2 && ["fetch", "dom", "html"].includes(parts[0])) {
    return `${parts[0]}/${parts[1]}`;
  }
  return parts[0];
}

const rt = load(rtFile);
const peer = load(peerFile);
const folders = new Map();
const behind = [];
for (const variant of new Set([...rt.keys(), ...peer.keys()])) {
  // Only variants both runs covered are compared.
  const ours = rt.get(variant);
  const theirs = peer.get(variant);
  if (!ours || !theirs) continue;
  const names = new Set([...ours.subtests.keys(), ...theirs.subtests.keys()]);
  const row = folders.get(folderOf(variant)) ??
    { variants: 0, total: 0, rt: 0, peer: 0, rtDone: 0, peerDone: 0 };
  folders.set(folderOf(variant), row);
  row.variants += 1;
  row.rtDone += ours.completed ? 1 : 0;
  row.peerDone += theirs.completed ? 1 : 0;
  const missing = [];
  for (const name of names) {
    const ok = ours.subtests.get(name) === true;
    const peerOk = theirs.subtests.get(name) === true;
    row.total += 1;
    row.rt += ok ? 1 : 0;
    row.peer += peerOk ? 1 : 0;
    if (peerOk && !ok) missing.push(name);
  }
  if (missing.length > 0) behind.push({ variant, missing });
}

const percent = (n, total) => total === 0 ? "-" : `${(n * 100 / total).toFixed(1)}%`;
const lines = [
  "| folder | variants | subtests | rt passes | Deno passes | rt | Deno |",
  "|---|---:|---:|---:|---:|---:|---:|",
];
const sum = { variants: 0, total: 0, rt: 0, peer: 0 };
for (const [folder, row] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  for (const key of Object.keys(sum)) sum[key] += row[key];
  const mark = row.rt < row.peer ? " (behind)" : "";
  lines.push(
    `| ${folder}${mark} | ${row.variants} | ${row.total} | ${row.rt} | ${row.peer} | ` +
      `${percent(row.rt, row.total)} | ${percent(row.peer, row.total)} |`,
  );
}
lines.push(
  `| **all** | ${sum.variants} | ${sum.total} | ${sum.rt} | ${sum.peer} | ` +
    `${percent(sum.rt, sum.total)} | ${percent(sum.peer, sum.total)} |`,
);
console.log(lines.join("\n"));
if (details) {
  for (const { variant, missing } of behind.sort((a, b) => b.missing.length - a.missing.length)) {
    console.log(`\n${variant}: ${missing.length} pass only under the peer`);
    for (const name of missing.slice(0, 12)) console.log(`  ${name}`);
    if (missing.length > 12) console.log(`  ... ${missing.length - 12} more`);
  }
}
