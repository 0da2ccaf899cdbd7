import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

// `npm install` on the README's Node (20.19+) must print no EBADENGINE warning: every package in the lock
// file accepts Node 20.19 and the running Node. semver is npm's own range logic (a transitive dependency).
const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean };
const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }>;
};

describe('engines of the installed tree', () => {
  test('every package in package-lock.json accepts Node 20.19 and the running Node', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range === undefined) continue;
      for (const node of ['20.19.0', process.versions.node]) {
        if (!semver.satisfies(node, range, { includePrerelease: true })) refused.push(`${path || 'llm-api-router'}@${entry.version ?? '?'} wants node ${range} (not ${node})`);
      }
    }
    assert.deepEqual(refused, []);
  });
});
