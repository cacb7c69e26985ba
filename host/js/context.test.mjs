// The context encoder against the Go host's records: each golden case made
// from line N of module/testdata/contexts.ndjson carries the record Go's
// jsonform.ParseContext + abi.PutContext made of that line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeContext, ContextError, MAX_AFFINITIES } from './edgescore.mjs';
import { contexts, golden, toHex } from './testutil.mjs';

test('records are byte-identical to the Go host\'s', () => {
  const cs = contexts();
  const prefix = 'module/testdata/contexts.ndjson:';
  let n = 0;
  for (const bc of golden().bundles) {
    for (const k of bc.cases) {
      if (!k.name.startsWith(prefix)) continue;
      const line = Number(k.name.slice(prefix.length));
      assert.equal(toHex(encodeContext(cs[line - 1])), k.context, `${k.name}`);
      n++;
    }
  }
  assert.ok(n >= cs.length, `only ${n} cases from ${prefix}`);
});

test('the example of ABI.md §3.1', () => {
  const rec = encodeContext({ shopper_id: 's-42', known: true, seed: 7, session: { page: 'product', price: 19.99 } });
  assert.equal(rec.length, 128);
  assert.equal(toHex(rec.subarray(0, 8)), '0700000000000000');
  assert.equal(toHex(rec.subarray(48, 56)), '3d0ad7a370fd3340');
  for (let o = 8; o < 112; o += 8) {
    if (o !== 48) assert.equal(toHex(rec.subarray(o, o + 8)), '010000000000f87f', `missing number at ${o}`);
  }
  assert.deepEqual([...rec.subarray(112, 124)], [1, 3, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(rec.subarray(124)), 's-42');
});

test('missing numbers are Go\'s NaN, 0x7FF8000000000001', () => {
  for (const v of [undefined, null, NaN]) {
    const rec = encodeContext({ session: { price: v } });
    assert.equal(toHex(rec.subarray(48, 56)), '010000000000f87f');
  }
});

test('affinities are sorted by their UTF-8 bytes, as Go sorts them', () => {
  // U+FF5E sorts before U+1F600 by bytes (EF… < F0…) but after it in UTF-16.
  const rec = encodeContext({ history: { affinities: { '😀': 0.5, '～': 0.25, b: 1, a: 2 } } });
  const cats = [];
  for (let o = 124, i = 0; i < 4; i++) {
    const n = rec[o + 8];
    cats.push(new TextDecoder().decode(rec.subarray(o + 9, o + 9 + n)));
    o += 9 + n;
  }
  assert.deepEqual(cats, ['a', 'b', '～', '😀']);
});

test('seeds: numbers, BigInts and decimal strings', () => {
  const seed = (s) => toHex(encodeContext({ seed: s }).subarray(0, 8));
  assert.equal(seed(1), '0100000000000000');
  assert.equal(seed(18446744073709551615n), 'ffffffffffffffff');
  assert.equal(seed('9223372036854775808'), '0000000000000080');
  assert.throws(() => encodeContext({ seed: 2 ** 60 }), /seed: must be an unsigned integer/);
  assert.throws(() => encodeContext({ seed: -1 }), ContextError);
});

test('contexts that do not fit are refused, naming the field', () => {
  const cases = [
    [{ sesion: {} }, 'sesion: unknown field'],
    [{ session: { pge: 'home' } }, 'session.pge: unknown field'],
    [{ session: { page: 'landing' } }, 'session.page: unknown value "landing"; one of home, category, product, search, cart, checkout, other'],
    [{ session: { channel: 'fax' } }, 'session.channel: unknown value "fax"'],
    [{ shopper_id: 'x'.repeat(129) }, 'shopper_id: longer than 128 bytes'],
    [{ shopper_id: 'é'.repeat(65) }, 'shopper_id: longer than 128 bytes'],
    [{ session: { cart: [{ sku: 'a', qty: 1, unit_price: 2, category: 'c'.repeat(200) }] } }, 'session.cart[0].category: longer than 128 bytes'],
    [{ session: { cart: [{ sku: 'a', qty: 1 }] } }, 'session.cart[0].unit_price: required, ≥ 0'],
    [{ session: { pageviews: -1 } }, 'session.pageviews: must be ≥ 0'],
    [{ session: { price: '19.99' } }, 'session.price: must be a number or null'],
    [{ history: { recency: 10, tenure: 5 } }, 'history.recency: must not exceed history.tenure'],
    [{ history: { affinities: Object.fromEntries(Array.from({ length: MAX_AFFINITIES + 1 }, (_, i) => [`c${i}`, 1])) } }, 'history.affinities: more than 32 categories'],
    [{ place: { hour: 24 } }, 'place.hour: must be in [0,24)'],
    [{ place: { weekday: 2.5 } }, 'place.weekday: must be an integer in [0,6]'],
    [{ known: 'yes' }, 'known: must be a boolean'],
  ];
  for (const [ctx, want] of cases) {
    assert.throws(() => encodeContext(ctx), (e) => e instanceof ContextError && e.message.startsWith(want), want);
  }
  assert.equal(encodeContext({ shopper_id: 'é'.repeat(64) }).length, 124 + 128, '128 bytes is allowed');
});
