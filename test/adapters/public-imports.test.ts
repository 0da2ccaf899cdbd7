import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]!);
}

test('the adapters and the sample app reach the core only through the package entry points', () => {
  const offenders: string[] = [];
  for (const dir of ['adapters', 'sample-app']) {
    for (const file of sources(dir)) {
      for (const s of specifiers(file)) {
        if (/(^|\/)lib(\/|$)/.test(s) && s.startsWith('.')) offenders.push(`${file.slice(root.length)}: ${s}`);
        if (dir === 'sample-app' && s.startsWith('.') && s.includes('adapters/')) offenders.push(`${file.slice(root.length)}: ${s}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('no file under adapters/ is longer than 450 lines', () => {
  const long = sources('adapters')
    .map((f) => [f.slice(root.length), readFileSync(f, 'utf8').split('\n').length] as const)
    .filter(([, n]) => n > 450);
  assert.deepEqual(long, []);
});
