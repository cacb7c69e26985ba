// The bucketing hash against module/experiment's known answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentHash, experimentBucket, experimentArm } from './edgescore.mjs';
import { repoFile } from './testutil.mjs';

// goldenHashes parses module/experiment/golden_test.go's table of
// {"salt", "id", hash} (Go string literals, JSON-compatible here).
function goldenHashes() {
  const src = repoFile('module/experiment/golden_test.go').toString('utf8');
  const re = /\{("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*"), (\d+)\}/g;
  return [...src.matchAll(re)].map((m) => ({ salt: JSON.parse(m[1]), id: JSON.parse(m[2]), hash: Number(m[3]) }));
}

test('experimentHash gives module/experiment\'s known answers', () => {
  const cases = goldenHashes();
  assert.ok(cases.length >= 5, `only ${cases.length} known answers parsed`);
  for (const c of cases) {
    assert.equal(experimentHash(c.salt, c.id), c.hash, `Hash(${JSON.stringify(c.salt)}, ${JSON.stringify(c.id)})`);
    assert.equal(experimentBucket(c.salt, c.id), c.hash % 10000);
  }
});

test('experimentArm stacks arms down from the top', () => {
  const w = [8000, 1500, 500];
  assert.equal(experimentArm(w, 0), 0);
  assert.equal(experimentArm(w, 7999), 0);
  assert.equal(experimentArm(w, 8000), 2);
  assert.equal(experimentArm(w, 8499), 2);
  assert.equal(experimentArm(w, 8500), 1);
  assert.equal(experimentArm(w, 9999), 1);
});
