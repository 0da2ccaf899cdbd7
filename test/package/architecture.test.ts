import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The structure rules of issue 7, checked on the sources (not the build): file sizes, the facade's size,
// the adapters' imports, the layer order of docs/architecture.md, the metrics folder, no rxjs internals.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sourcesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(path.split(sep).join('/'));
    }
  };
  walk(folder);
  return out.sort();
}

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const lineCount = (path: string): number => read(path).split('\n').length - (read(path).endsWith('\n') ? 1 : 0);

/** The module specifiers of a file's static imports, re-exports and dynamic imports, comments removed. */
function importsOf(path: string): string[] {
  const code = read(path).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  for (const m of code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  return specs;
}

/** The repository path a relative specifier of `from` resolves to. */
function resolveRelative(from: string, spec: string): string {
  return normalize(join(dirname(from), spec)).split(sep).join('/');
}

/** The unit of the layer table a path belongs to: `lib/router` for `lib/router/x/y.ts`, `lib/index.ts` for itself. */
function unitOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path.replace(/\.js$/, '.ts');
}

/** The layers of the table under docs/architecture.md's "Import rule", top first, each with its folders. */
function layersFromDocs(): Array<{ name: string; units: string[] }> {
  const doc = read('docs/architecture.md');
  const section = doc.slice(doc.indexOf('## Import rule'));
  const layers: Array<{ name: string; units: string[] }> = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.startsWith('## ')) break;
    if (!line.startsWith('|')) {
      if (layers.length > 0) break;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const at = cells.findIndex((c) => /`(?:lib|adapters)\//.test(c));
    if (at < 1) continue;
    layers.push({ name: cells[at - 1]!, units: [...cells[at]!.matchAll(/`((?:lib|adapters)\/[^`\s]+)`/g)].map((m) => m[1]!) });
  }
  return layers;
}

/**
 * The order inside `lib/metrics` (docs/architecture.md): the facade files at its root import
 * `exposition/`, which imports `storage/`, which imports `quantiles/`; the record types and content types
 * import nothing and are used by all.
 */
const METRICS_LEVELS: Array<[RegExp, number]> = [
  [/^lib\/metrics\/(request-metrics|exposition-format)\.ts$/, 4],
  [/^lib\/metrics\/quantiles\//, 3],
  [/^lib\/metrics\/storage\//, 2],
  [/^lib\/metrics\/exposition\//, 1],
  [/^lib\/metrics\/[^/]+\.ts$/, 0],
];
const metricsLevel = (path: string): number => METRICS_LEVELS.find(([re]) => re.test(path.replace(/\.js$/, '.ts')))![1];

describe('architecture (issue 7)', () => {
  const lib = sourcesUnder('lib');
  const adapters = sourcesUnder('adapters');

  test('no file under lib/ or adapters/ is over 450 lines', () => {
    const long = [...lib, ...adapters].map((p) => [p, lineCount(p)] as const).filter(([, n]) => n > 450);
    assert.deepEqual(long, []);
  });

  test('lib/router/llm-router.ts, the facade, is at most 300 lines', () => {
    assert.ok(lineCount('lib/router/llm-router.ts') <= 300, `${lineCount('lib/router/llm-router.ts')} lines`);
  });

  test('adapters import lib only through the package entry points', () => {
    const deep: string[] = [];
    for (const file of adapters) {
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) {
          if (!resolveRelative(file, spec).startsWith('adapters/')) deep.push(`${file}: ${spec}`);
        } else if (spec.startsWith('llm-api-router/') && !['llm-api-router/testing', 'llm-api-router/opentelemetry'].includes(spec)) {
          deep.push(`${file}: ${spec}`);
        }
      }
    }
    assert.deepEqual(deep, []);
  });

  test('lib never imports from adapters/ nor through the package name', () => {
    const bad = lib.flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec === 'llm-api-router' || spec.startsWith('llm-api-router/') || (spec.startsWith('.') && !resolveRelative(file, spec).startsWith('lib/')))
        .map((spec) => `${file}: ${spec}`),
    );
    assert.deepEqual(bad, []);
  });

  test('every relative import goes down the layers of docs/architecture.md, never sideways to another folder', () => {
    const layers = layersFromDocs();
    assert.ok(layers.length >= 5, `layers read from docs/architecture.md: ${JSON.stringify(layers)}`);
    const rank = new Map<string, number>();
    layers.forEach((layer, i) => {
      for (const unit of layer.units) rank.set(unit, i);
    });
    const files = [...lib, ...adapters];
    const units = new Set(files.map(unitOf));
    assert.deepEqual([...units].filter((u) => !rank.has(u)), [], 'every folder (and file directly in lib/) is placed in a layer of docs/architecture.md');

    const wrong: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveRelative(file, spec);
        const from = unitOf(file);
        const to = unitOf(target);
        if (from === to) continue;
        const a = rank.get(from)!;
        const b = rank.get(to);
        if (b === undefined || b <= a) wrong.push(`${file}: ${spec} (${layers[a]!.name} -> ${b === undefined ? 'unknown' : layers[b]!.name})`);
      }
    }
    assert.deepEqual(wrong, [], 'imports upward or sideways');
  });

  test('inside lib/metrics: facade -> exposition -> storage -> quantiles; the record and content types import nothing', () => {
    const wrong: string[] = [];
    for (const file of lib.filter((f) => f.startsWith('lib/metrics/'))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveRelative(file, spec);
        if (!target.startsWith('lib/metrics/')) {
          if (metricsLevel(file) === 4) wrong.push(`${file}: ${spec}`);
          continue;
        }
        const same = dirname(file) === dirname(target) && metricsLevel(file) !== 4 && metricsLevel(target) !== 4;
        if (!same && metricsLevel(target) <= metricsLevel(file)) wrong.push(`${file}: ${spec}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('at most 12 files directly in lib/metrics/', () => {
    const files = readdirSync(join(ROOT, 'lib/metrics')).filter((name) => statSync(join(ROOT, 'lib/metrics', name)).isFile());
    assert.ok(files.length <= 12, files.join(', '));
  });

  test('no rxjs internals: no lift, no assigning an Observable its source or operator, no rxjs/internal paths', () => {
    const uses: string[] = [];
    for (const file of [...lib, ...adapters]) {
      const code = read(file);
      if (/['"]rxjs\/internal/.test(code)) uses.push(`${file}: loads an rxjs/internal path`);
      if (!/from ['"]rxjs/.test(code)) continue;
      // A class's own field of that name (declared in the file) is not rxjs' member.
      const own = (member: string): boolean => new RegExp(`^\\s*(?:private |protected |public )?(?:readonly )?${member}[?!]?:`, 'm').test(code);
      code.split('\n').forEach((line, i) => {
        const internal = /\blift\b/.test(line) || (/\.source\s*=[^=]/.test(line) && !own('source')) || (/\.operator\s*=[^=]/.test(line) && !own('operator'));
        if (internal) uses.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(uses, []);
  });
});

