// edgescore.mjs — the edgescore guest (wasm/guest, contract in wasm/ABI.md)
// for JavaScript runtimes: V8 edge runtimes such as Cloudflare Workers,
// Node, Deno, browsers. One ES module, no dependencies and no Node APIs: it
// uses only WebAssembly, DataView, TextEncoder/TextDecoder, BigInt,
// performance/Date for clocks and crypto.getRandomValues when present.
//
//   import { Scorer } from './edgescore.mjs';
//   import wasm from './edgescore.wasm';          // a WebAssembly.Module
//   const scorer = await Scorer.create(wasm);
//   scorer.loadBundle(bundleBytes);                // a binary bundle (.esb)
//   const decision = await scorer.decide(context); // the JSON form of a context
//
// Guest is one instance; Scorer keeps one and replaces it after a trap.
// See README.md for deploying in a worker.

// ---------------------------------------------------------------------------
// The ABI (wasm/ABI.md): names, numbers, layouts.

/** The ABI this host was written for: 1.0. */
export const ABI_MAJOR = 1;
export const ABI_MINOR = 0;

export const INPUT_BUFFER_SIZE = 32768;
export const MAX_CONTEXT_SIZE = 22684;
export const DECISION_SIZE = 152;
export const MAX_BUNDLE_SIZE = 64 << 20;
export const MAX_STRING_LEN = 128;
export const MAX_AFFINITIES = 32;
export const MAX_CART_LINES = 64;

const I32 = 0x7f, I64 = 0x7e;

/** Every export the guest must have, with its exact signature (ABI.md §2). */
export const EXPORTS = Object.freeze([
  { name: '_initialize', params: [], results: [] },
  { name: 'abi_version', params: [], results: [I32] },
  { name: 'input_buffer', params: [], results: [I64] },
  { name: 'bundle_buffer', params: [I32], results: [I32] },
  { name: 'load_bundle', params: [I32, I32], results: [I32] },
  { name: 'bundle_info', params: [], results: [I64] },
  { name: 'decide', params: [I32, I32], results: [I64] },
  { name: 'last_error', params: [], results: [I64] },
]);

/** Status codes (ABI.md §4). */
export const Status = Object.freeze({ OK: 0, NO_BUNDLE: 1, BAD_ARGUMENT: 2, BAD_CONTEXT: 3, BAD_BUNDLE: 4 });
const statusNames = ['ok', 'no bundle loaded', 'bad argument', 'bad context record', 'bad bundle'];

export const PAGES = Object.freeze(['', 'home', 'category', 'product', 'search', 'cart', 'checkout', 'other']);
export const CHANNELS = Object.freeze(['', 'web', 'app', 'social', 'email', 'call_centre']);
export const DEVICES = Object.freeze(['', 'desktop', 'mobile', 'tablet']);

// Context record offsets (ABI.md §3.1).
const CTX_HEADER = 124;
const CTX_FLOATS = 8; // 13 f64 fields from here
const CTX_FLAGS = 112, CTX_PAGE = 113, CTX_CHANNEL = 114, CTX_DEVICE = 115;
const CTX_LENS = 116; // 5 string lengths
const CTX_NAFF = 121, CTX_NCART = 122, CTX_RESERVED = 123;

// Decision record offsets (ABI.md §3.2).
const DEC = Object.freeze({
  propensity: 0, p_alive: 8, expected_purchases: 16, expected_aov: 24, clv: 32,
  cluster_distance: 40, action_probability: 48, expected_profit: 56, buy_probability: 64,
  reason_contrib: 72, segments: 96, tier: 104, cluster: 108, variant: 112, bucket: 116,
  action: 120, greedy_action: 124, eligible: 128, reason_feature: 132, num_reasons: 144,
  flags: 145, crc: 148,
});

// The missing value: the quiet NaN Go's math.NaN() makes, 0x7FF8000000000001
// (ABI.md §3.1 says any NaN works; this one gives records byte-identical to
// the Go host's).
const NAN_HI = 0x7ff80000, NAN_LO = 0x00000001;

// ---------------------------------------------------------------------------
// Errors.

/** The module is not an edgescore guest this host can run. */
export class IncompatibleGuestError extends Error {
  constructor(message) { super(message); this.name = 'IncompatibleGuestError'; }
}

/**
 * A call trapped (a guest panic, which ends in proc_exit(2) or an
 * `unreachable`) or the instance was already dead. The instance is unusable:
 * make a new one (Scorer does). `stderr` holds the guest's last stderr lines.
 */
export class TrapError extends Error {
  constructor(message, { exportName, exitCode, stderr, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TrapError';
    this.exportName = exportName;
    this.exitCode = exitCode;
    this.stderr = stderr ?? [];
  }
}

/** A non-OK status from the guest; the instance stays healthy. */
export class GuestError extends Error {
  constructor(exportName, status, guestMessage) {
    const s = statusNames[status] ?? `status ${status}`;
    super(`guest ${exportName}: ${s}${guestMessage ? ': ' + guestMessage : ''}`);
    this.name = 'GuestError';
    this.exportName = exportName;
    this.status = status;
    this.guestMessage = guestMessage;
  }
}

/** The guest answered outside the ABI; the instance is discarded. */
export class ProtocolError extends Error {
  constructor(message) { super(message); this.name = 'ProtocolError'; }
}

/** A context that does not fit the wire (a field is named by path). */
export class ContextError extends TypeError {
  constructor(path, message) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ContextError';
    this.path = path;
  }
}

// proc_exit unwinds the guest with this; the call wrapper turns it into a
// TrapError.
class ProcExit extends Error {
  constructor(code) { super(`guest exited with code ${code}`); this.code = code; }
}

// ---------------------------------------------------------------------------
// WASI preview 1, the minimum the Go runtime needs (ABI.md §8).

const WASI = 'wasi_snapshot_preview1';
const ERRNO_SUCCESS = 0, ERRNO_BADF = 8, ERRNO_FAULT = 21, ERRNO_INVAL = 28, ERRNO_NOSYS = 52;

const hasPerformance = typeof performance === 'object' && typeof performance.now === 'function';
const hasCrypto = typeof crypto === 'object' && typeof crypto.getRandomValues === 'function';

/**
 * createWasi returns the wasi_snapshot_preview1 functions for one instance.
 * `memory()` returns the instance's memory (set once it exists); `write(fd,
 * bytes)` receives fd 1 and 2. Exported for tests.
 *
 * - clocks: realtime from Date.now (ms), monotonic from performance.now (or
 *   Date.now), never going backwards. Workers freeze both during a request;
 *   decisions do not depend on them.
 * - poll_oneoff answers at once: clock subscriptions as if their time had
 *   come, fd subscriptions with EBADF. It never waits and never spins (a JS
 *   import cannot block; the guest never sleeps).
 * - proc_exit throws, which unwinds the guest: the instance is dead.
 * - args and environment are empty; any other WASI function the module
 *   imports returns ENOSYS.
 */
export function createWasi({ memory, write }) {
  let lastMono = 0n;
  const dv = () => new DataView(memory().buffer); // memory may have grown: a new view each time
  const u8 = () => new Uint8Array(memory().buffer);
  const inBounds = (ptr, n) => ptr >= 0 && n >= 0 && ptr + n <= memory().buffer.byteLength;

  const now = (id) => {
    switch (id) {
      case 0: // realtime
        return BigInt(Date.now()) * 1000000n;
      case 1: // monotonic
      case 2: // process CPU time: as good as anything here
      case 3: { // thread CPU time
        const t = hasPerformance ? performance.now() : Date.now();
        let ns = BigInt(Math.floor(t * 1e6));
        if (ns < lastMono) ns = lastMono;
        lastMono = ns;
        return ns;
      }
      default:
        return undefined;
    }
  };

  const fns = {
    args_sizes_get(argcPtr, bufSizePtr) {
      if (!inBounds(argcPtr, 4) || !inBounds(bufSizePtr, 4)) return ERRNO_FAULT;
      const v = dv();
      v.setUint32(argcPtr, 0, true);
      v.setUint32(bufSizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    args_get() { return ERRNO_SUCCESS; },
    environ_sizes_get(countPtr, bufSizePtr) { return fns.args_sizes_get(countPtr, bufSizePtr); },
    environ_get() { return ERRNO_SUCCESS; },

    clock_res_get(id, resPtr) {
      if (now(id) === undefined) return ERRNO_INVAL;
      if (!inBounds(resPtr, 8)) return ERRNO_FAULT;
      dv().setBigUint64(resPtr, id === 0 ? 1000000n : 1000n, true);
      return ERRNO_SUCCESS;
    },
    clock_time_get(id, _precision, resultPtr) { // _precision is an i64: a BigInt
      const t = now(id);
      if (t === undefined) return ERRNO_INVAL;
      if (!inBounds(resultPtr, 8)) return ERRNO_FAULT;
      dv().setBigUint64(resultPtr, t, true);
      return ERRNO_SUCCESS;
    },

    random_get(ptr, n) {
      if (!inBounds(ptr, n)) return ERRNO_FAULT;
      const b = u8().subarray(ptr, ptr + n);
      if (hasCrypto) {
        for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
      } else {
        for (let i = 0; i < n; i++) b[i] = (Math.random() * 256) | 0;
      }
      return ERRNO_SUCCESS;
    },

    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      if (!inBounds(iovs, 8 * iovsLen) || !inBounds(nwrittenPtr, 4)) return ERRNO_FAULT;
      const v = dv(), m = u8();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const p = v.getUint32(iovs + 8 * i, true), n = v.getUint32(iovs + 8 * i + 4, true);
        if (!inBounds(p, n)) return ERRNO_FAULT;
        if (n > 0) write(fd, m.slice(p, p + n));
        total += n;
      }
      v.setUint32(nwrittenPtr, total, true);
      return ERRNO_SUCCESS;
    },

    // Subscriptions are 48 bytes (userdata u64, tag u8, then for clocks: id
    // u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40); events
    // are 32 bytes (userdata u64, error u16 @8, type u8 @10, fd_readwrite
    // @16). Every subscription gets its event immediately.
    poll_oneoff(inPtr, outPtr, nsubs, neventsPtr) {
      if (nsubs === 0) return ERRNO_INVAL;
      if (!inBounds(inPtr, 48 * nsubs) || !inBounds(outPtr, 32 * nsubs) || !inBounds(neventsPtr, 4)) return ERRNO_FAULT;
      const v = dv();
      for (let i = 0; i < nsubs; i++) {
        const s = inPtr + 48 * i, e = outPtr + 32 * i;
        const tag = v.getUint8(s + 8);
        v.setBigUint64(e, v.getBigUint64(s, true), true); // userdata
        v.setUint16(e + 8, tag === 0 ? ERRNO_SUCCESS : ERRNO_BADF, true);
        v.setUint8(e + 10, tag);
        for (let k = 11; k < 32; k++) v.setUint8(e + k, 0);
      }
      v.setUint32(neventsPtr, nsubs, true);
      return ERRNO_SUCCESS;
    },

    sched_yield() { return ERRNO_SUCCESS; },
    proc_exit(code) { throw new ProcExit(code); },
  };
  return fns;
}

// imports builds the import object for module: the WASI functions it
// imports (ENOSYS for those not above); anything else is refused.
function importsFor(module, wasi) {
  const w = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== WASI || imp.kind !== 'function') {
      throw new IncompatibleGuestError(`guest imports ${imp.kind} ${imp.module}.${imp.name}, which this host does not provide`);
    }
    w[imp.name] = wasi[imp.name] ?? (() => ERRNO_NOSYS);
  }
  return { [WASI]: w };
}

// ---------------------------------------------------------------------------
// Export checks.

function typeName(t) {
  switch (t) {
    case 0x7f: return 'i32';
    case 0x7e: return 'i64';
    case 0x7d: return 'f32';
    case 0x7c: return 'f64';
  }
  return '0x' + t.toString(16).padStart(2, '0');
}

function signature(params, results) {
  return `(${params.map(typeName).join(', ')}) -> (${results.map(typeName).join(', ')})`;
}

/**
 * exportSignatures reads the exact signature of every exported function
 * from the module's bytes: a Map from name to {params, results} (value
 * types by their binary encoding). Memories map to {memory: true}.
 */
export function exportSignatures(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let p = 0;
  const fail = (msg) => { throw new IncompatibleGuestError(`not a WebAssembly module: ${msg} (at byte ${p})`); };
  const byte = () => (p < b.length ? b[p++] : fail('unexpected end'));
  const uleb = () => {
    let v = 0, shift = 0, c;
    do {
      c = byte();
      v += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    return v;
  };
  const skipName = () => { const n = uleb(); p += n; };
  const name = () => { const n = uleb(); const s = utf8.decode(b.subarray(p, p + n)); p += n; return s; };
  const limits = () => { const f = byte(); uleb(); if (f & 1) uleb(); };

  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) fail('bad magic');
  p = 8;
  const types = [], funcs = [], exports = new Map();
  while (p < b.length) {
    const id = byte(), size = uleb(), end = p + size;
    if (end > b.length) fail('section past the end');
    if (id === 1) {
      for (let n = uleb(); n > 0; n--) {
        if (byte() !== 0x60) fail('unsupported type form');
        const params = Array.from({ length: uleb() }, byte);
        const results = Array.from({ length: uleb() }, byte);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        skipName(); skipName();
        switch (byte()) {
          case 0: funcs.push(uleb()); break;
          case 1: byte(); limits(); break; // table
          case 2: limits(); break; // memory
          case 3: byte(); byte(); break; // global
          case 4: byte(); uleb(); break; // tag
          default: fail('unknown import kind');
        }
      }
    } else if (id === 3) {
      for (let n = uleb(); n > 0; n--) funcs.push(uleb());
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const nm = name(), kind = byte(), index = uleb();
        if (kind === 0) {
          const t = types[funcs[index]];
          if (!t) fail(`export ${nm} names an unknown function`);
          exports.set(nm, t);
        } else if (kind === 2) {
          exports.set(nm, { memory: true });
        }
      }
    }
    p = end;
  }
  return exports;
}

/**
 * checkModule checks that module exports every function of the ABI with its
 * exact signature, and its memory; it throws an IncompatibleGuestError that
 * names the first export that is wrong, worded as the Go host's. With the
 * module's bytes the signatures are checked exactly; without (a worker gets
 * a compiled WebAssembly.Module), names and kinds here and parameter counts
 * and result types when the instance starts.
 */
export function checkModule(module, bytes) {
  if (bytes) {
    const sigs = exportSignatures(bytes);
    for (const want of EXPORTS) {
      const got = sigs.get(want.name);
      if (!got || got.memory) {
        throw new IncompatibleGuestError(`guest does not export func[${want.name}]: should be ${signature(want.params, want.results)}`);
      }
      if (!sameTypes(got.params, want.params) || !sameTypes(got.results, want.results)) {
        throw new IncompatibleGuestError(`guest exports the wrong signature for func[${want.name}]: should be ` +
          `${signature(want.params, want.results)}, not ${signature(got.params, got.results)}`);
      }
    }
    if (!sigs.get('memory')?.memory) throw new IncompatibleGuestError('guest does not export memory[memory]');
    return;
  }
  const kinds = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const want of EXPORTS) {
    if (kinds.get(want.name) !== 'function') {
      throw new IncompatibleGuestError(`guest does not export func[${want.name}]: should be ${signature(want.params, want.results)}`);
    }
  }
  if (kinds.get('memory') !== 'memory') throw new IncompatibleGuestError('guest does not export memory[memory]');
}

function sameTypes(a, b) { return a.length === b.length && a.every((t, i) => t === b[i]); }

// ---------------------------------------------------------------------------
// Records.

const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

/** unpack splits a packed i64 result (a BigInt) into [ptr, len]. */
export function unpack(v) {
  const u = BigInt.asUintN(64, v);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

const scratch = new Uint8Array(INPUT_BUFFER_SIZE);

/**
 * encodeContext returns the context record (ABI.md §3.1) of ctx, a context
 * in edgescore's JSON form (README.md; the same fields, names and checks as
 * the Go host's jsonform.ParseContext). Missing numbers (absent, null or
 * NaN) are written as Go's NaN. Throws a ContextError naming the field.
 */
export function encodeContext(ctx) {
  const n = encodeContextInto(ctx, scratch, 0, scratch.length);
  return scratch.slice(0, n);
}

const topKeys = new Set(['shopper_id', 'known', 'seed', 'history', 'session', 'place']);
const historyKeys = new Set(['frequency', 'recency', 'tenure', 'aov', 'total_spend', 'affinities']);
const sessionKeys = new Set(['page', 'category', 'sku', 'price', 'cart', 'cart_value', 'pageviews', 'minutes', 'channel', 'device']);
const placeKeys = new Set(['country', 'region', 'lat', 'lon', 'hour', 'weekday']);
const lineKeys = new Set(['sku', 'category', 'qty', 'unit_price']);

function object(v, path, keys) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ContextError(path, 'must be an object');
  for (const k in v) {
    if (Object.prototype.hasOwnProperty.call(v, k) && !keys.has(k)) {
      throw new ContextError(path ? `${path}.${k}` : k, 'unknown field');
    }
  }
  return v;
}

function num(v, path) {
  if (v === undefined || v === null) return NaN;
  if (typeof v !== 'number') throw new ContextError(path, 'must be a number or null');
  return v;
}

function str(v, path) {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ContextError(path, 'must be a string');
  return v;
}

function enumIndex(v, path, names) {
  const s = str(v, path);
  const i = names.indexOf(s);
  if (i < 0) throw new ContextError(path, `unknown value ${JSON.stringify(s)}; one of ${names.slice(1).join(', ')}`);
  return i;
}

// seedOf returns the seed as [low, high] 32-bit halves.
function seedOf(v) {
  if (v === undefined || v === null) return [0, 0];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return [v % 4294967296, Math.floor(v / 4294967296)];
  let s;
  if (typeof v === 'bigint') s = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) s = BigInt(v);
  else if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) s = BigInt(v);
  else throw new ContextError('seed', 'must be an unsigned integer: a number up to 2^53, a BigInt or a decimal string');
  if (s < 0n || s > 0xffffffffffffffffn) throw new ContextError('seed', 'out of range 0…2^64−1');
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

// The 13 f64 fields of the header in record order: [part (0 history,
// 1 session, 2 place), key, path, must be ≥ 0].
const FLOAT_FIELDS = [
  [0, 'frequency', 'history.frequency', true], [0, 'recency', 'history.recency', true],
  [0, 'tenure', 'history.tenure', true], [0, 'aov', 'history.aov', true],
  [0, 'total_spend', 'history.total_spend', true], [1, 'price', 'session.price', true],
  [1, 'cart_value', 'session.cart_value', true], [1, 'pageviews', 'session.pageviews', true],
  [1, 'minutes', 'session.minutes', true], [2, 'lat', 'place.lat', false], [2, 'lon', 'place.lon', false],
  [2, 'hour', 'place.hour', false], [2, 'weekday', 'place.weekday', false],
];
const floatScratch = new Float64Array(13);

function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * encodeContextInto writes the record of ctx into u8 at offset off (at most
 * cap bytes) and returns its length; the Guest writes straight into its
 * input buffer with it.
 */
export function encodeContextInto(ctx, u8, off, cap) {
  const c = object(ctx, '', topKeys);
  const h = object(c.history, 'history', historyKeys);
  const s = object(c.session, 'session', sessionKeys);
  const pl = object(c.place, 'place', placeKeys);
  if (c.known !== undefined && c.known !== null && typeof c.known !== 'boolean') throw new ContextError('known', 'must be a boolean');

  const floats = floatScratch;
  for (let i = 0; i < 13; i++) {
    const [part, key, path, nonNegative] = FLOAT_FIELDS[i];
    const x = num((part === 0 ? h : part === 1 ? s : pl)[key], path);
    if (nonNegative && x < 0) throw new ContextError(path, 'must be ≥ 0');
    floats[i] = x;
  }
  const recency = floats[1], tenure = floats[2], lat = floats[9], lon = floats[10], hour = floats[11], weekday = floats[12];
  if (recency > tenure) throw new ContextError('history.recency', 'must not exceed history.tenure');
  if (lat < -90 || lat > 90) throw new ContextError('place.lat', 'must be in [-90,90]');
  if (lon < -180 || lon > 180) throw new ContextError('place.lon', 'must be in [-180,180]');
  if (hour < 0 || hour >= 24) throw new ContextError('place.hour', 'must be in [0,24)');
  if (weekday < 0 || weekday > 6 || (weekday === weekday && weekday !== Math.trunc(weekday))) {
    throw new ContextError('place.weekday', 'must be an integer in [0,6] (0 = Monday)');
  }

  let affinities = [];
  if (h.affinities !== undefined && h.affinities !== null) {
    if (typeof h.affinities !== 'object' || Array.isArray(h.affinities)) {
      throw new ContextError('history.affinities', 'must be an object of category: score');
    }
    let surrogates = false;
    for (const k of Object.keys(h.affinities)) {
      affinities.push({ name: k, score: num(h.affinities[k], `history.affinities.${k}`) });
      surrogates ||= /[\ud800-\udfff]/.test(k);
    }
    if (affinities.length > MAX_AFFINITIES) throw new ContextError('history.affinities', `more than ${MAX_AFFINITIES} categories`);
    // Go sorts the keys by their UTF-8 bytes: the order of UTF-16 units
    // too, unless a key has characters beyond U+FFFF.
    if (surrogates) {
      for (const a of affinities) a.key = utf8enc.encode(a.name);
      affinities.sort((a, b) => compareBytes(a.key, b.key));
    } else {
      affinities.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
  }
  let cart = [];
  if (s.cart !== undefined && s.cart !== null) {
    if (!Array.isArray(s.cart)) throw new ContextError('session.cart', 'must be an array');
    if (s.cart.length > MAX_CART_LINES) throw new ContextError('session.cart', `more than ${MAX_CART_LINES} lines`);
    cart = s.cart.map((line, i) => {
      const at = `session.cart[${i}]`;
      const l = object(line, at, lineKeys);
      const qty = num(l.qty, `${at}.qty`), price = num(l.unit_price, `${at}.unit_price`);
      if (qty !== qty || qty < 0) throw new ContextError(`${at}.qty`, 'required, ≥ 0');
      if (price !== price || price < 0) throw new ContextError(`${at}.unit_price`, 'required, ≥ 0');
      return { sku: str(l.sku, `${at}.sku`), category: str(l.category, `${at}.category`), qty, price, at };
    });
  }

  const v = new DataView(u8.buffer, u8.byteOffset + off, cap);
  const end = off + cap;
  let o = off + CTX_HEADER;
  if (cap < CTX_HEADER) throw new ContextError('', `buffer of ${cap} bytes is smaller than the header`);
  const putString = (value, path) => {
    const n = value.length; // UTF-16 units: at least as many bytes
    if (n > MAX_STRING_LEN) throw new ContextError(path, `longer than ${MAX_STRING_LEN} bytes`);
    if (o + n <= end) { // ASCII, the common case, without a call into the runtime
      let i = 0;
      for (; i < n; i++) {
        const ch = value.charCodeAt(i);
        if (ch >= 0x80) break;
        u8[o + i] = ch;
      }
      if (i === n) {
        o += n;
        return n;
      }
    }
    // Encode straight into the record; a window one byte longer than the
    // limit tells an over-long string.
    const win = u8.subarray(o, Math.min(end, o + MAX_STRING_LEN + 1));
    const r = utf8enc.encodeInto(value, win);
    if (r.written > MAX_STRING_LEN || (r.read < value.length && win.length > MAX_STRING_LEN)) {
      throw new ContextError(path, `longer than ${MAX_STRING_LEN} bytes`);
    }
    if (r.read < value.length) throw new ContextError('', `record does not fit a buffer of ${cap} bytes`);
    o += r.written;
    return r.written;
  };
  const putFloat = (at, x) => {
    if (x !== x) {
      v.setUint32(at - off, NAN_LO, true);
      v.setUint32(at - off + 4, NAN_HI, true);
    } else {
      v.setFloat64(at - off, x, true);
    }
  };
  const room = (n) => { if (o + n > end) throw new ContextError('', `record does not fit a buffer of ${cap} bytes`); };

  const l0 = putString(str(c.shopper_id, 'shopper_id'), 'shopper_id');
  const l1 = putString(str(s.category, 'session.category'), 'session.category');
  const l2 = putString(str(s.sku, 'session.sku'), 'session.sku');
  const l3 = putString(str(pl.country, 'place.country'), 'place.country');
  const l4 = putString(str(pl.region, 'place.region'), 'place.region');
  for (const a of affinities) {
    room(9);
    const at = o;
    putFloat(at, a.score);
    o += 9;
    u8[at + 8] = putString(a.name, `history.affinities.${a.name}`);
  }
  for (const l of cart) {
    room(18);
    const at = o;
    putFloat(at, l.qty);
    putFloat(at + 8, l.price);
    o += 18;
    u8[at + 16] = putString(l.sku, `${l.at}.sku`);
    u8[at + 17] = putString(l.category, `${l.at}.category`);
  }

  // Header.
  const [seedLo, seedHi] = seedOf(c.seed);
  v.setUint32(0, seedLo, true);
  v.setUint32(4, seedHi, true);
  for (let i = 0; i < 13; i++) putFloat(off + CTX_FLOATS + 8 * i, floats[i]);
  u8[off + CTX_FLAGS] = c.known === true ? 1 : 0;
  u8[off + CTX_PAGE] = enumIndex(s.page, 'session.page', PAGES);
  u8[off + CTX_CHANNEL] = enumIndex(s.channel, 'session.channel', CHANNELS);
  u8[off + CTX_DEVICE] = enumIndex(s.device, 'session.device', DEVICES);
  u8[off + CTX_LENS] = l0;
  u8[off + CTX_LENS + 1] = l1;
  u8[off + CTX_LENS + 2] = l2;
  u8[off + CTX_LENS + 3] = l3;
  u8[off + CTX_LENS + 4] = l4;
  u8[off + CTX_NAFF] = affinities.length;
  u8[off + CTX_NCART] = cart.length;
  u8[off + CTX_RESERVED] = 0;
  return o - off;
}

/**
 * decodeNames decodes a names table (ABI.md §5): {crc, id, features, tiers,
 * segments, clusters, variants, actions, actionKinds}. Lists after the
 * eight of ABI 1.0 are skipped.
 */
export function decodeNames(bytes) {
  const b = bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fail = (o, msg) => { throw new ProtocolError(`names table: ${msg} (at byte ${o})`); };
  if (b.length < 8) fail(b.length, 'shorter than its header');
  const nl = v.getUint32(4, true);
  if (nl < 8) fail(4, `has ${nl} lists, want at least 8`);
  let o = 8;
  const lists = [];
  for (let i = 0; i < nl; i++) {
    if (b.length - o < 4) fail(o, 'ends early');
    const cnt = v.getUint32(o, true);
    o += 4;
    if (cnt > (b.length - o) / 4) fail(o - 4, `list count ${cnt} exceeds the table`);
    const l = [];
    for (let k = 0; k < cnt; k++) {
      if (b.length - o < 4) fail(o, 'ends early');
      const n = v.getUint32(o, true);
      o += 4;
      if (n > b.length - o) fail(o - 4, `name of ${n} bytes exceeds the table`);
      if (i < 8) l.push(utf8.decode(b.subarray(o, o + n)));
      o += n;
    }
    lists.push(l);
  }
  if (o !== b.length) fail(o, 'bytes after the last list');
  if (lists[0].length !== 1) fail(8, `the id list has ${lists[0].length} entries, want 1`);
  if (lists[6].length !== lists[7].length) fail(o, 'action kinds and action ids differ in number');
  return Object.freeze({
    crc: v.getUint32(0, true), id: lists[0][0], features: lists[1], tiers: lists[2], segments: lists[3],
    clusters: lists[4], variants: lists[5], actions: lists[6], actionKinds: lists[7],
  });
}

const orNull = (x) => (x !== x ? null : x); // NaN (not computed) → null, as the Go JSON form

/**
 * decodeDecision turns a decision record (ABI.md §3.2) into the JSON form
 * the Go host prints (module/jsonform), names resolved with names (from
 * decodeNames, of the bundle the record names): floats that were not
 * computed are null. Adds `crc`, the bundle's tag.
 */
export function decodeDecision(rec, names) {
  if (rec.length < DECISION_SIZE) throw new ProtocolError(`decision record of ${rec.length} bytes is shorter than ${DECISION_SIZE}`);
  const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  const f = (o) => orNull(v.getFloat64(o, true));
  const i = (o) => v.getInt32(o, true);
  const crc = v.getUint32(DEC.crc, true);
  if (!names) throw new ProtocolError('a decision without a bundle');
  if (names.crc !== crc) throw new ProtocolError(`decision made by bundle ${hex8(crc)}, not ${hex8(names.crc)}`);
  const nr = rec[DEC.num_reasons];
  if (nr > 3) throw new ProtocolError('decision record: more than 3 reasons');
  const name = (list, k) => list[k] ?? '';
  const nameOrNull = (list, k) => list[k] || null;
  const segments = [];
  const lo = v.getUint32(DEC.segments, true), hi = v.getUint32(DEC.segments + 4, true);
  for (let k = 0; k < names.segments.length && k < 64; k++) {
    if (((k < 32 ? lo >>> k : hi >>> (k - 32)) & 1) === 1) segments.push(names.segments[k]);
  }
  const action = i(DEC.action);
  const reasons = [];
  for (let k = 0; k < nr; k++) {
    reasons.push({ feature: name(names.features, i(DEC.reason_feature + 4 * k)), contribution: f(DEC.reason_contrib + 8 * k) });
  }
  return {
    bundle: names.id,
    variant: name(names.variants, i(DEC.variant)),
    bucket: i(DEC.bucket),
    propensity: f(DEC.propensity),
    p_alive: f(DEC.p_alive),
    expected_purchases: f(DEC.expected_purchases),
    expected_aov: f(DEC.expected_aov),
    clv: f(DEC.clv),
    tier: nameOrNull(names.tiers, i(DEC.tier)),
    cluster: nameOrNull(names.clusters, i(DEC.cluster)),
    cluster_distance: f(DEC.cluster_distance),
    segments,
    action: {
      id: name(names.actions, action),
      kind: name(names.actionKinds, action),
      probability: f(DEC.action_probability),
      explored: (rec[DEC.flags] & 1) === 1,
      expected_profit: f(DEC.expected_profit),
      buy_probability: f(DEC.buy_probability),
    },
    greedy_action: name(names.actions, i(DEC.greedy_action)),
    eligible: i(DEC.eligible),
    reasons,
    crc,
  };
}

/** bundleCRC is a binary bundle's tag: its last four bytes, little-endian. */
export function bundleCRC(bytes) {
  const b = bytes;
  if (b.length < 4) return 0;
  return (b[b.length - 4] | (b[b.length - 3] << 8) | (b[b.length - 2] << 16) | (b[b.length - 1] << 24)) >>> 0;
}

const hex8 = (x) => x.toString(16).padStart(8, '0');

// ---------------------------------------------------------------------------
// Experiment bucketing (module/experiment): the same hash, for an edge that
// buckets shoppers itself.

/** experimentHash is module/experiment.Hash: FNV-1a-32 of salt, 0x00, id, then fmix32. */
export function experimentHash(salt, shopperId) {
  let h = 2166136261;
  for (const c of utf8enc.encode(salt)) h = Math.imul(h ^ c, 16777619);
  h = Math.imul(h, 16777619); // the 0x00 separator
  for (const c of utf8enc.encode(shopperId)) h = Math.imul(h ^ c, 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** experimentBucket is the shopper's bucket in [0, 10000). */
export function experimentBucket(salt, shopperId) { return experimentHash(salt, shopperId) % 10000; }

/** experimentArm is the arm whose range holds bucket (module/experiment.Arm). */
export function experimentArm(weights, bucket) {
  let top = 10000;
  for (let k = 1; k < weights.length; k++) {
    const lo = top - weights[k];
    if (bucket >= lo && bucket < top) return k;
    top = lo;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Guest: one instance.

/**
 * Guest is one instance of the guest module. It is single-threaded by
 * nature (JS); after a TrapError it is dead and every call throws.
 */
export class Guest {
  #exports; #memory; #buf = null; #u8 = null;
  #inPtr = 0; #inCap = 0; #names = null; #dead = false; #stderr = [];

  /**
   * create instantiates module (a WebAssembly.Module, or the module's bytes
   * — then its signatures are checked exactly), runs _initialize, checks
   * the ABI version and fetches the input buffer. options.log(stream, line)
   * receives the guest's stdout and stderr line by line (default:
   * console.error).
   */
  static async create(module, options = {}) {
    let bytes;
    if (!(module instanceof WebAssembly.Module)) {
      bytes = module instanceof Uint8Array ? module : new Uint8Array(module);
      module = await WebAssembly.compile(bytes);
    }
    checkModule(module, bytes);
    const g = new Guest(module, options);
    await g.#start(module);
    return g;
  }

  #module; #log; #pending = ['', '', ''];
  #decoders = [null, new TextDecoder(), new TextDecoder()];

  constructor(module, options) {
    this.#module = module;
    this.#log = options.log ?? ((stream, line) => console.error(`edgescore guest ${stream}: ${line}`));
  }

  async #start(module) {
    const wasi = createWasi({ memory: () => this.#memory, write: (fd, bytes) => this.#write(fd, bytes) });
    const inst = await WebAssembly.instantiate(module, importsFor(module, wasi));
    const ex = inst.exports;
    for (const want of EXPORTS) {
      if (typeof ex[want.name] !== 'function') {
        throw new IncompatibleGuestError(`guest does not export func[${want.name}]: should be ${signature(want.params, want.results)}`);
      }
      if (ex[want.name].length !== want.params.length) {
        throw new IncompatibleGuestError(`guest exports the wrong signature for func[${want.name}]: should be ` +
          `${signature(want.params, want.results)}, not one taking ${ex[want.name].length} parameters`);
      }
    }
    if (!(ex.memory instanceof WebAssembly.Memory)) throw new IncompatibleGuestError('guest does not export memory[memory]');
    this.#exports = ex;
    this.#memory = ex.memory;

    this.#call('_initialize');
    const v = this.#call('abi_version');
    if (typeof v !== 'number') throw this.#protocol('abi_version returned an i64: the signature is wrong');
    const ver = v >>> 0;
    if (ver >>> 16 !== ABI_MAJOR || (ver & 0xffff) < ABI_MINOR) {
      this.#dead = true;
      throw new IncompatibleGuestError(`guest ABI version ${ver >>> 16}.${ver & 0xffff} is not supported by this host (ABI ${ABI_MAJOR}.${ABI_MINOR})`);
    }
    const [ptr, cap] = unpack(this.#i64('input_buffer'));
    if (ptr === 0 || cap < MAX_CONTEXT_SIZE || ptr + cap > this.#memory.buffer.byteLength) {
      throw this.#protocol(`input_buffer returned ${ptr}:${cap}, outside memory or too small`);
    }
    this.#inPtr = ptr;
    this.#inCap = cap;
  }

  /** dead: a call trapped; the instance is unusable. */
  get dead() { return this.#dead; }

  /** bundle is the names of the loaded bundle (decodeNames), or null. */
  get bundle() { return this.#names; }

  /** memorySize is the linear memory's size in bytes. */
  get memorySize() { return this.#memory.buffer.byteLength; }

  /**
   * loadBundle loads a binary bundle (Uint8Array or ArrayBuffer) and
   * returns its names. A bundle the guest rejects throws a GuestError and
   * leaves the previous bundle loaded.
   */
  loadBundle(bundle) {
    const data = bundle instanceof Uint8Array ? bundle : new Uint8Array(bundle);
    if (data.length < 1 || data.length > MAX_BUNDLE_SIZE) {
      throw new GuestError('load_bundle', Status.BAD_BUNDLE, `size ${data.length} out of range 1…${MAX_BUNDLE_SIZE}`);
    }
    const ptr = this.#call('bundle_buffer', data.length) >>> 0;
    if (ptr === 0) throw this.#guestError('bundle_buffer', Status.BAD_ARGUMENT);
    this.#views();
    if (ptr + data.length > this.#u8.length) throw this.#protocol('bundle_buffer returned a buffer outside memory');
    this.#u8.set(data, ptr);
    const st = this.#call('load_bundle', ptr, data.length) >>> 0;
    if (st !== Status.OK) throw this.#guestError('load_bundle', st);
    const [np, nn] = unpack(this.#i64('bundle_info'));
    if (np === 0) throw this.#guestError('bundle_info', nn);
    const names = decodeNames(this.#read(np, nn, 'bundle_info').slice());
    if (names.crc !== bundleCRC(data)) throw this.#protocol(`names table tagged ${hex8(names.crc)} for bundle ${hex8(bundleCRC(data))}`);
    this.#names = names;
    return names;
  }

  /**
   * decide decides for ctx (the JSON form of a context) and returns the
   * decision with names resolved (decodeDecision). A context that does not
   * fit the wire throws a ContextError; the instance stays healthy.
   */
  decide(ctx) {
    this.#alive();
    this.#views();
    const n = encodeContextInto(ctx, this.#u8, this.#inPtr, this.#inCap);
    return decodeDecision(this.#decide(n), this.#names);
  }

  /**
   * decideRecord decides for a context record (ABI.md §3.1) and returns a
   * copy of the decision record: for conformance tests and hosts that
   * encode themselves.
   */
  decideRecord(record) {
    this.#alive();
    if (record.length > this.#inCap) throw new ContextError('', `record of ${record.length} bytes exceeds the input buffer`);
    this.#views();
    this.#u8.set(record, this.#inPtr);
    return this.#decide(record.length).slice();
  }

  #decide(n) {
    const [ptr, len] = unpack(this.#i64('decide', this.#inPtr, n));
    if (ptr === 0) throw this.#guestError('decide', len);
    if (len < DECISION_SIZE) throw this.#protocol(`decide returned a record of ${len} bytes`);
    return this.#read(ptr, len, 'decide');
  }

  #alive() {
    if (this.#dead) throw new TrapError('guest instance is dead after a trap: make a new one', { stderr: this.#stderr });
  }

  // #call calls an export; any exception (a trap, proc_exit) kills the
  // instance.
  #call(name, ...args) {
    this.#alive();
    try {
      return this.#exports[name](...args);
    } catch (e) {
      this.#dead = true;
      this.#flush();
      const exit = e instanceof ProcExit ? e.code : undefined;
      const panic = this.#stderr.find((l) => l.startsWith('panic: ') || l.startsWith('fatal error: '));
      const why = exit !== undefined ? `guest exited with code ${exit}` : String(e?.message ?? e);
      throw new TrapError(`guest trapped in ${name}: ${why}${panic ? ` (${panic})` : ''}`,
        { exportName: name, exitCode: exit, stderr: this.#stderr.slice(), cause: e });
    }
  }

  #i64(name, ...args) {
    const v = this.#call(name, ...args);
    if (typeof v !== 'bigint') throw this.#protocol(`${name} did not return an i64: the signature is wrong`);
    return v;
  }

  // #views re-creates the views when memory has grown (its buffer changed).
  #views() {
    const b = this.#memory.buffer;
    if (b !== this.#buf) {
      this.#buf = b;
      this.#u8 = new Uint8Array(b);
    }
  }

  #read(ptr, len, name) {
    this.#views();
    if (ptr + len > this.#u8.length) throw this.#protocol(`${name} returned ${ptr}:${len}, outside memory`);
    return this.#u8.subarray(ptr, ptr + len);
  }

  #guestError(name, status) {
    const [p, n] = unpack(this.#i64('last_error'));
    const msg = n > 0 ? utf8.decode(this.#read(p, n, 'last_error')) : '';
    return new GuestError(name, status, msg);
  }

  #protocol(msg) {
    this.#dead = true;
    return new ProtocolError(`guest broke the ABI: ${msg}`);
  }

  #write(fd, bytes) {
    const stream = fd === 1 ? 'stdout' : 'stderr';
    let text = this.#pending[fd] + this.#decoders[fd].decode(bytes, { stream: true });
    let i;
    while ((i = text.indexOf('\n')) >= 0) {
      this.#line(stream, text.slice(0, i));
      text = text.slice(i + 1);
    }
    if (text.length >= 4096) { this.#line(stream, text); text = ''; }
    this.#pending[fd] = text;
  }

  #flush() {
    for (const fd of [1, 2]) {
      if (this.#pending[fd]) this.#line(fd === 1 ? 'stdout' : 'stderr', this.#pending[fd]);
      this.#pending[fd] = '';
    }
  }

  #line(stream, line) {
    if (stream === 'stderr') {
      this.#stderr.push(line);
      if (this.#stderr.length > 64) this.#stderr.shift();
    }
    try { this.#log(stream, line); } catch { /* a logger must not break the guest */ }
  }
}

// ---------------------------------------------------------------------------
// Scorer: the instance an isolate keeps, replaced after a trap.

/**
 * Scorer keeps one Guest and the last bundle it loaded; after a trap it
 * starts a new Guest (≈5–7 ms: the Go runtime's start-up) and reloads the
 * bundle before the next decision. Use one per isolate.
 */
export class Scorer {
  #module; #options; #guest = null; #starting = null; #bundle = null;

  /**
   * create compiles the module (if given its bytes; a worker passes the
   * WebAssembly.Module it imported), starts the first instance and, with
   * options.bundle, loads a bundle. options.log as for Guest.create.
   */
  static async create(module, options = {}) {
    if (!(module instanceof WebAssembly.Module)) {
      const bytes = module instanceof Uint8Array ? module : new Uint8Array(module);
      module = await WebAssembly.compile(bytes);
      checkModule(module, bytes);
    }
    const s = new Scorer(module, options);
    s.#guest = await Guest.create(module, options);
    if (options.bundle) await s.loadBundle(options.bundle);
    return s;
  }

  constructor(module, options) {
    this.#module = module;
    this.#options = options;
  }

  /** bundle is the names of the current bundle, or null. */
  get bundle() { return this.#guest?.bundle ?? null; }

  /** guest is the current instance (null while a replacement starts). */
  get guest() { return this.#guest; }

  /**
   * loadBundle loads a binary bundle (Uint8Array or ArrayBuffer), returns
   * its names and remembers it for replacement instances. A bundle the
   * guest rejects throws a GuestError and changes nothing.
   */
  async loadBundle(bundle) {
    const data = bundle instanceof Uint8Array ? bundle.slice() : new Uint8Array(bundle.slice(0));
    const names = (await this.#ready()).loadBundle(data);
    this.#bundle = data;
    return names;
  }

  /**
   * decide decides for ctx, starting a replacement instance first if the
   * last one trapped. A trap in this call throws a TrapError; the next call
   * gets a fresh instance.
   */
  async decide(ctx) {
    return (await this.#ready()).decide(ctx);
  }

  /** decideRecord is Guest.decideRecord on the current instance. */
  async decideRecord(record) {
    return (await this.#ready()).decideRecord(record);
  }

  // #ready is the live instance, or a new one with the bundle reloaded.
  #ready() {
    const g = this.#guest;
    return g && !g.dead ? g : this.#restart();
  }

  #restart() {
    this.#starting ??= (async () => {
      try {
        this.#guest = null;
        const g = await Guest.create(this.#module, this.#options);
        if (this.#bundle) g.loadBundle(this.#bundle);
        this.#guest = g;
        return g;
      } finally {
        this.#starting = null;
      }
    })();
    return this.#starting;
  }
}
