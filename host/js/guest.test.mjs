// The Guest and Scorer life cycle: export checks, errors that leave the
// instance healthy, traps that do not, and the WASI shim.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Guest, Scorer, EXPORTS, createWasi, checkModule, exportSignatures,
  IncompatibleGuestError, GuestError, TrapError, ContextError, Status,
} from './edgescore.mjs';
import { contexts, debugModule, guestModule, repoFile } from './testutil.mjs';

const I32 = 0x7f, I64 = 0x7e;
const quiet = { log: () => {} };

// stub builds a module with the ABI's exports, each returning a constant
// (abi_version: version; input_buffer: 32 KiB at 1024), and one page of
// memory; change(funcs) edits the list first.
function stub({ version = 0x10000, change = (f) => f, memory = 'memory' } = {}) {
  let funcs = EXPORTS.map((e) => ({ ...e, value: e.name === 'abi_version' ? version : e.name === 'input_buffer' ? (1024n << 32n) | 32768n : 0 }));
  funcs = change(funcs);
  const uleb = (v) => { const o = []; do { let c = v & 0x7f; v >>>= 7; if (v) c |= 0x80; o.push(c); } while (v); return o; };
  const sleb = (v) => { const o = []; v = BigInt(v); for (;;) { const c = Number(v & 0x7fn); v >>= 7n; if ((v === 0n && !(c & 0x40)) || (v === -1n && (c & 0x40))) { o.push(c); return o; } o.push(c | 0x80); } };
  const name = (s) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  const vec = (items) => [...uleb(items.length), ...items.flat()];
  const section = (id, body) => [id, ...uleb(body.length), ...body];
  const types = vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]));
  const fsec = vec(funcs.map((_, i) => uleb(i)));
  const exps = vec([...funcs.map((f, i) => [...name(f.name), 0, ...uleb(i)]), ...(memory ? [[...name(memory), 2, 0]] : [])]);
  const code = vec(funcs.map((f) => {
    const body = [0, ...f.results.flatMap((t) => (t === I64 ? [0x42, ...sleb(BigInt(f.value))] : [0x41, ...sleb(BigInt.asIntN(32, BigInt(f.value)))])), 0x0b];
    return [...uleb(body.length), ...body];
  }));
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...section(3, fsec),
    ...(memory !== null ? section(5, [1, 0, 1]) : []), ...section(7, exps), ...section(10, code)]);
}

const without = (n) => (f) => f.filter((x) => x.name !== n);
const replace = (n, params, results) => (f) => f.map((x) => (x.name === n ? { ...x, params, results } : x));

test('export checks name what is wrong, as the Go host does', async (t) => {
  const cases = [
    ['missing decide', stub({ change: without('decide') }), 'guest does not export func[decide]: should be (i32, i32) -> (i64)'],
    ['missing _initialize', stub({ change: without('_initialize') }), 'guest does not export func[_initialize]: should be () -> ()'],
    ['decide with one parameter', stub({ change: replace('decide', [I32], [I64]) }),
      'guest exports the wrong signature for func[decide]: should be (i32, i32) -> (i64), not (i32) -> (i64)'],
    ['decide returning i32', stub({ change: replace('decide', [I32, I32], [I32]) }),
      'guest exports the wrong signature for func[decide]: should be (i32, i32) -> (i64), not (i32, i32) -> (i32)'],
    ['bundle_buffer taking i64', stub({ change: replace('bundle_buffer', [I64], [I32]) }),
      'guest exports the wrong signature for func[bundle_buffer]: should be (i32) -> (i32), not (i64) -> (i32)'],
    ['no memory', stub({ memory: '' }), 'guest does not export memory[memory]'],
    ['memory under another name', stub({ memory: 'mem' }), 'guest does not export memory[memory]'],
    ['ABI 2.0', stub({ version: 2 << 16 }), 'guest ABI version 2.0 is not supported by this host (ABI 1.0)'],
    ['ABI 0.9', stub({ version: 9 }), 'guest ABI version 0.9 is not supported by this host (ABI 1.0)'],
  ];
  for (const [name, bytes, want] of cases) {
    await t.test(name, async () => {
      await assert.rejects(Guest.create(bytes, quiet), (e) => e instanceof IncompatibleGuestError && e.message === want);
    });
  }
  await t.test('the stub passes', async () => { await Guest.create(stub(), quiet); });
  await t.test('a compiled module without its bytes: names and parameter counts', async () => {
    const m = await WebAssembly.compile(stub({ change: without('decide') }));
    assert.throws(() => checkModule(m), /guest does not export func\[decide\]/);
    const m2 = await WebAssembly.compile(stub({ change: replace('decide', [I32], [I64]) }));
    await assert.rejects(Guest.create(m2, quiet), /wrong signature for func\[decide\]: should be \(i32, i32\) -> \(i64\), not one taking 1 parameters/);
  });
  await t.test('the real guest\'s signatures', () => {
    const sigs = exportSignatures(guestModule());
    for (const e of EXPORTS) assert.deepEqual(sigs.get(e.name), { params: e.params, results: e.results }, e.name);
  });
});

test('decisions, and errors that leave the instance healthy', async () => {
  const g = await Guest.create(guestModule(), quiet);
  const cs = contexts();
  assert.throws(() => g.decide(cs[0]), (e) => e instanceof GuestError && e.status === Status.NO_BUNDLE &&
    e.message === 'guest decide: no bundle loaded: decide: no bundle loaded');
  const small = repoFile('host/conformance/testdata/small.esb');
  const names = g.loadBundle(small);
  assert.equal(names.id, 'conformance-small@1');
  assert.equal(names.actions[0], 'no_offer');
  const d = g.decide(cs[0]);
  assert.equal(d.bundle, names.id);
  assert.ok(d.bucket >= 0 && d.bucket < 10000);
  assert.ok(names.variants.includes(d.variant));
  assert.ok(typeof d.propensity === 'number' && d.propensity > 0 && d.propensity < 1);

  const bad = small.slice();
  bad[bad.length - 1] ^= 0xff; // checksum
  assert.throws(() => g.loadBundle(bad), (e) => e instanceof GuestError && e.status === Status.BAD_BUNDLE && /checksum/.test(e.message));
  assert.equal(g.bundle.id, names.id, 'a rejected bundle changes nothing');
  assert.throws(() => g.decide({ session: { page: 'nowhere' } }), ContextError);
  assert.throws(() => g.decideRecord(new Uint8Array(10)), (e) => e instanceof GuestError && e.status === Status.BAD_CONTEXT);
  assert.deepEqual(g.decide(cs[0]), d, 'the instance is healthy after each error');
  assert.equal(g.dead, false);

  // A bundle much larger than the memory so far: memory grows, views follow.
  const before = g.memorySize;
  const ref = repoFile('module/testdata/reference.esb');
  const big = new Uint8Array(40 << 20);
  assert.throws(() => g.loadBundle(big), GuestError);
  assert.ok(g.memorySize > before, 'memory grew');
  g.loadBundle(ref);
  for (const c of cs.slice(0, 50)) assert.equal(g.decide(c).bundle, 'reference@1');
});

test('a trap kills the instance; Scorer starts another', async (t) => {
  const wasm = debugModule();
  if (!wasm) return t.skip('needs Go to build the debug guest');
  const lines = [];
  const s = await Scorer.create(wasm, { log: (stream, line) => lines.push(`${stream}: ${line}`) });
  await s.loadBundle(repoFile('host/conformance/testdata/small.esb'));
  const first = s.guest;
  const ok = await s.decide({ shopper_id: 'a' });
  await assert.rejects(s.decide({ shopper_id: 'edgescore-debug:trap' }), (e) => e instanceof TrapError &&
    e.exportName === 'decide' && /panic: edgescore-debug: deliberate trap/.test(e.message));
  assert.ok(lines.includes('stderr: panic: edgescore-debug: deliberate trap'), lines.join('\n'));
  assert.equal(first.dead, true);
  assert.throws(() => first.decide({ shopper_id: 'a' }), TrapError);
  assert.deepEqual(await s.decide({ shopper_id: 'a' }), ok, 'a new instance, with the bundle reloaded');
  assert.notEqual(s.guest, first);
});

// A fake memory for the WASI shim.
function wasiOn(bytes = 65536) {
  const memory = new WebAssembly.Memory({ initial: bytes / 65536 });
  const out = [];
  const w = createWasi({ memory: () => memory, write: (fd, b) => out.push([fd, new TextDecoder().decode(b)]) });
  return { w, dv: new DataView(memory.buffer), u8: new Uint8Array(memory.buffer), out };
}

test('poll_oneoff answers at once, without waiting or spinning', () => {
  const { w, dv } = wasiOn();
  // Two subscriptions: a clock with a 10 s timeout, an fd_read on fd 0.
  dv.setBigUint64(0, 42n, true); dv.setUint8(8, 0); dv.setUint32(16, 1, true); dv.setBigUint64(24, 10_000_000_000n, true);
  dv.setBigUint64(48, 43n, true); dv.setUint8(56, 1); dv.setUint32(64, 0, true);
  const start = performance.now();
  assert.equal(w.poll_oneoff(0, 1024, 2, 2048), 0);
  // Far below the 10 s a wait would take, far above a busy machine's pauses
  // (50 ms was not).
  assert.ok(performance.now() - start < 2000, 'returned at once');
  assert.equal(dv.getUint32(2048, true), 2);
  assert.equal(dv.getBigUint64(1024, true), 42n); assert.equal(dv.getUint16(1032, true), 0); assert.equal(dv.getUint8(1034), 0);
  assert.equal(dv.getBigUint64(1056, true), 43n); assert.equal(dv.getUint16(1064, true), 8); assert.equal(dv.getUint8(1066), 1);
  assert.equal(w.poll_oneoff(0, 1024, 0, 2048), 28, 'no subscriptions: EINVAL');
});

test('WASI: clocks, randomness, fd_write, proc_exit, the rest', () => {
  const { w, dv, u8, out } = wasiOn();
  assert.equal(w.clock_time_get(0, 1n, 8), 0);
  const wall = dv.getBigUint64(8, true);
  assert.ok(Math.abs(Number(wall / 1000000n) - Date.now()) < 5000, 'realtime in ns');
  assert.equal(w.clock_time_get(1, 1n, 8), 0);
  const m1 = dv.getBigUint64(8, true);
  assert.equal(w.clock_time_get(1, 1n, 8), 0);
  assert.ok(dv.getBigUint64(8, true) >= m1, 'monotonic');
  assert.equal(w.clock_time_get(9, 1n, 8), 28, 'unknown clock: EINVAL');
  assert.equal(w.random_get(100, 64), 0);
  assert.ok(u8.subarray(100, 164).some((b) => b !== 0));
  // fd_write of "hi\n" to fd 2 and fd 1; fd 3 is EBADF.
  u8.set(new TextEncoder().encode('hi\n'), 500);
  dv.setUint32(400, 500, true); dv.setUint32(404, 3, true);
  assert.equal(w.fd_write(2, 400, 1, 420), 0);
  assert.equal(dv.getUint32(420, true), 3);
  assert.equal(w.fd_write(1, 400, 1, 420), 0);
  assert.equal(w.fd_write(3, 400, 1, 420), 8);
  assert.deepEqual(out, [[2, 'hi\n'], [1, 'hi\n']]);
  assert.equal(w.fd_write(2, 65530, 1, 420), 21, 'iovec outside memory: EFAULT');
  assert.equal(w.args_sizes_get(0, 4), 0);
  assert.equal(dv.getUint32(0, true) + dv.getUint32(4, true), 0);
  assert.equal(w.sched_yield(), 0);
  assert.throws(() => w.proc_exit(2), /exited with code 2/);
});
