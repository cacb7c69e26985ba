// Helpers for the tests and the benchmark (Node APIs allowed here, not in
// edgescore.mjs): the repository's files and the guest module.

import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');

/** repoFile reads a file by its path relative to the repository root. */
export function repoFile(path) { return readFileSync(join(root, path)); }

let prod;

/**
 * guestModule is the production guest: $EDGESCORE_WASM, else
 * ../../out/edgescore.wasm (make wasm), else a fresh build into a
 * temporary directory.
 */
export function guestModule() {
  if (prod) return prod;
  const env = process.env.EDGESCORE_WASM;
  if (env) return (prod = readFileSync(env));
  const out = join(root, 'out', 'edgescore.wasm');
  if (existsSync(out)) return (prod = readFileSync(out));
  return (prod = build(''));
}

let debug;

/** debugModule is the guest built with -tags edgescore_debug (ABI.md §9), or null without Go. */
export function debugModule() {
  if (debug === undefined) debug = build('edgescore_debug', true);
  return debug;
}

function build(tags, optional = false) {
  const dir = mkdtempSync(join(tmpdir(), 'edgescore-guest-'));
  try {
    const out = join(dir, 'edgescore.wasm');
    const args = ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-s -w', '-o', out];
    if (tags) args.push('-tags', tags);
    args.push('./wasm/guest');
    const r = spawnSync('go', args, { cwd: root, env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' }, encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      if (optional) return null;
      throw new Error(`building the guest: ${r.error ?? r.stderr}`);
    }
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** golden is host/conformance/testdata/golden.json. */
export function golden() { return JSON.parse(repoFile('host/conformance/testdata/golden.json')); }

export const fromHex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
export const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * contexts are the varied reference contexts (module/testdata/contexts.ndjson),
 * parsed; seeds become decimal strings, since JSON.parse would round those
 * above 2^53.
 */
export function contexts() {
  return repoFile('module/testdata/contexts.ndjson').toString('utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l.replace(/"seed":(\d+)/, '"seed":"$1"')));
}
