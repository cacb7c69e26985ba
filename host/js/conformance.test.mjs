// The shared golden cases (host/conformance/testdata/golden.json, made by
// the native core) on V8: every decision record bit for bit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Guest, bundleCRC, DECISION_SIZE } from './edgescore.mjs';
import { golden, guestModule, repoFile, fromHex } from './testutil.mjs';

// The decision record's fields (ABI.md §3.2): floats compared by their
// bit patterns, never with ==.
const F64 = [['propensity', 0], ['p_alive', 8], ['expected_purchases', 16], ['expected_aov', 24], ['clv', 32],
  ['cluster_distance', 40], ['action_probability', 48], ['expected_profit', 56], ['buy_probability', 64],
  ['reasons[0].contribution', 72], ['reasons[1].contribution', 80], ['reasons[2].contribution', 88]];
const INTS = [['segments', 96, 8], ['tier', 104, 4], ['cluster', 108, 4], ['variant', 112, 4], ['bucket', 116, 4],
  ['action', 120, 4], ['greedy_action', 124, 4], ['eligible', 128, 4], ['reasons[0].feature', 132, 4],
  ['reasons[1].feature', 136, 4], ['reasons[2].feature', 140, 4], ['num_reasons', 144, 1], ['flags', 145, 1],
  ['bundle_crc', 148, 4]];

/** diff describes how two decision records differ, field by field ('' if equal). */
export function diff(got, want) {
  if (got.length < DECISION_SIZE || want.length < DECISION_SIZE) return `records of ${got.length} and ${want.length} bytes`;
  const g = new DataView(got.buffer, got.byteOffset, got.byteLength);
  const w = new DataView(want.buffer, want.byteOffset, want.byteLength);
  const out = [];
  for (const [name, o] of F64) {
    const gb = g.getBigUint64(o, true), wb = w.getBigUint64(o, true);
    if (gb !== wb) {
      out.push(`  ${name}: ${g.getFloat64(o, true)} (0x${gb.toString(16).padStart(16, '0')}), ` +
        `want ${w.getFloat64(o, true)} (0x${wb.toString(16).padStart(16, '0')})`);
    }
  }
  for (const [name, o, n] of INTS) {
    const read = (v) => (n === 8 ? v.getBigUint64(o, true) : n === 4 ? v.getUint32(o, true) : v.getUint8(o));
    if (read(g) !== read(w)) out.push(`  ${name}: ${read(g)}, want ${read(w)}`);
  }
  return out.join('\n');
}

test('golden decisions, bit for bit', async (t) => {
  const g = golden();
  assert.equal(g.abi, '1.0', 'golden cases for another ABI: regenerate them (go generate ./host/conformance)');
  const module = await WebAssembly.compile(guestModule());
  for (const bc of g.bundles) {
    await t.test(bc.name, async () => {
      const data = repoFile(bc.path);
      assert.equal(bundleCRC(data).toString(16).padStart(8, '0'), bc.crc,
        `${bc.path} has changed: regenerate the golden cases (go generate ./host/conformance)`);
      const guest = await Guest.create(module, { log: () => {} });
      const names = guest.loadBundle(data);
      assert.equal(names.id, bc.id);
      const bad = [];
      for (const k of bc.cases) {
        const d = diff(guest.decideRecord(fromHex(k.context)), fromHex(k.decision));
        if (d) bad.push(`${k.name}: decision differs from the native core's:\n${d}`);
        if (bad.length >= 5) break;
      }
      assert.equal(bad.length, 0, `${bad.join('\n')}\n(stopped after ${bad.length} bad cases of ${bc.cases.length})`);
    });
  }
});
