// bench.mjs: how fast the guest decides on V8 (Node), over the varied
// reference contexts so that branch predictors cannot learn one.
//
//   node bench.mjs [seconds per measurement, default 2]
//
// Reports µs per decision for decide() (encode the JSON context, call,
// decode the decision with names), decideRecord() (a pre-encoded record in,
// the record out: the engine and the boundary only) and encodeContext()
// alone; and the cost of compiling the module and of starting an instance.

import { Guest, encodeContext } from './edgescore.mjs';
import { contexts, guestModule, repoFile } from './testutil.mjs';

const seconds = Number(process.argv[2] ?? 2);
const quiet = { log: () => {} };

function measure(name, fn, n) {
  // Warm up until V8 has optimized the hot code (Liftoff, then TurboFan).
  const warm = performance.now();
  let i = 0;
  while (performance.now() - warm < 1000) fn(i++ % n);
  let iters = 0;
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    for (let k = 0; k < 1000; k++) fn(iters++ % n);
    now = performance.now();
  }
  const us = ((now - start) * 1000) / iters;
  console.log(`${name.padEnd(34)} ${us.toFixed(2).padStart(8)} µs/op  (${iters} ops)`);
  return us;
}

const wasm = guestModule();
let t = performance.now();
const module = await WebAssembly.compile(wasm);
console.log(`compile (${(wasm.length / 1048576).toFixed(2)} MiB)`.padEnd(34), `${(performance.now() - t).toFixed(1).padStart(8)} ms`);

// The first instance also compiles, lazily, the functions _initialize runs.
t = performance.now();
await Guest.create(module, quiet);
console.log('first instance start'.padEnd(34), `${(performance.now() - t).toFixed(2).padStart(8)} ms`);
const starts = [];
for (let k = 0; k < 21; k++) {
  t = performance.now();
  await Guest.create(module, quiet);
  starts.push(performance.now() - t);
}
starts.sort((a, b) => a - b);
console.log('next instance starts'.padEnd(34), `${starts[10].toFixed(2).padStart(8)} ms median, ${starts[0].toFixed(2)} min, ${starts[20].toFixed(2)} max`);

const g = await Guest.create(module, quiet);
const bundlePath = 'module/testdata/reference.esb';
const names = g.loadBundle(repoFile(bundlePath));
const cs = contexts();
const recs = cs.map((c) => encodeContext(c));
console.log(`bundle ${names.id} (${bundlePath}), ${cs.length} varied contexts`);
measure('decide(context)', (i) => g.decide(cs[i]), cs.length);
measure('decideRecord(record)', (i) => g.decideRecord(recs[i]), recs.length);
measure('encodeContext(context)', (i) => encodeContext(cs[i]), cs.length);
