import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fixed, formatTable, loadAverage, machineDescription, median, ratio } from './bench-kit.js';

// Cold import cost of the core against the official `openai` package, each in fresh processes:
//   node dist/bench/import-bench.js [--runs N]          (npm run bench:import)
// Per run, a new node process imports one module; the numbers are the medians of N runs of the time
// the import() took, the RSS it added, and the whole process's wall time. Targets run interleaved so
// that a change in the machine's load hits every target alike. The breakdown imports each runtime
// dependency of the core alone, and the last table imports the core after some dependencies were
// already loaded: what its import would cost if those were loaded lazily.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const RUNS = Math.max(1, Number(runsFlag > 0 ? process.argv[runsFlag + 1] : process.env.IMPORT_BENCH_RUNS ?? 11));
const TARGET_RATIO = 1.5;

const MAIN = ['llm-api-router', 'openai'];
/** Dependencies the core loads on first use rather than on import. */
const ON_FIRST_USE: Record<string, string> = {
  undici: 'router construction',
  'rxjs/internal/Observable': 'first events$ read (router construction)',
  rxjs: 'observeAggregatedMetrics',
  '@datadog/sketches-js': 'a series past exactQuantileLimit samples',
  'prom-client': 'first Prometheus export',
  '@pydantic/genai-prices': 'first bundled price lookup',
};
const BASELINE = 'node:os';

const LIB_URL = new URL('../lib/', import.meta.url).href;
// A resolve hook, in a child, that reports every package the core's own files import.
const DISCOVER_HOOK = `
export async function resolve(specifier, context, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(specifier) && context.parentURL?.startsWith(${JSON.stringify(LIB_URL)})) console.error('PKG ' + specifier);
  return next(specifier, context);
}`;
const DISCOVER_MAIN = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(DISCOVER_HOOK)}));
await import('llm-api-router');
`;

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The packages that `import('llm-api-router')` loads, as the core's files import them. */
function discoverDependencies(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', DISCOVER_MAIN], { cwd: ROOT, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) return reject(error);
      const names = new Set<string>();
      for (const line of stderr.split('\n')) if (line.startsWith('PKG ')) names.add(packageName(line.slice(4)));
      names.delete('llm-api-router');
      resolve([...names].sort());
    });
  });
}

const CHILD = `
const [spec, ...preload] = process.argv.slice(1);
for (const p of preload) await import(p);
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
await import(spec);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, rssMb: (process.memoryUsage().rss - rss0) / 1048576 }));
`;

interface Sample {
  ms: number;
  rssMb: number;
  wallMs: number;
}

/** `spec`, or `spec<preloaded` (the import of spec after the others were loaded). */
function sample(key: string): Promise<Sample> {
  const [spec, ...preload] = key.split('<');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(process.execPath, ['--input-type=module', '-e', CHILD, spec!, ...preload], { cwd: ROOT, encoding: 'utf8' }, (error, stdout) => {
      const wallMs = performance.now() - started;
      if (error) reject(new Error(`import('${spec}') failed: ${error.message}`));
      else resolve({ ...(JSON.parse(stdout) as { ms: number; rssMb: number }), wallMs });
    });
  });
}

interface Summary {
  spec: string;
  ms: number;
  minMs: number;
  rssMb: number;
  wallMs: number;
}

async function measure(specs: readonly string[]): Promise<Map<string, Summary>> {
  const samples = new Map<string, Sample[]>(specs.map((s) => [s, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const spec of specs) samples.get(spec)!.push(await sample(spec));
  }
  const out = new Map<string, Summary>();
  for (const [spec, list] of samples) {
    out.set(spec, {
      spec,
      ms: median(list.map((s) => s.ms)),
      minMs: Math.min(...list.map((s) => s.ms)),
      rssMb: median(list.map((s) => s.rssMb)),
      wallMs: median(list.map((s) => s.wallMs)),
    });
  }
  return out;
}

function row(s: Summary, base: Summary | undefined): string[] {
  return [s.spec, fixed(s.ms, 1), fixed(s.minMs, 1), fixed(s.rssMb, 1), fixed(s.wallMs, 0), base === undefined ? '' : ratio(s.ms, base.ms)];
}

console.log(`import bench: ${RUNS} cold runs per module; ${machineDescription()}; load average ${loadAverage()} at start`);
const onImport = await discoverDependencies();
console.log(`import('llm-api-router') loads: ${onImport.join(', ')}`);
const BREAKDOWN = [...onImport, ...Object.keys(ON_FIRST_USE)];
const WITHOUT = [...onImport.map((d) => `llm-api-router<${d}`), `llm-api-router<${onImport.join('<')}`];
const results = await measure([...MAIN, ...BREAKDOWN, BASELINE, ...WITHOUT]);
const core = results.get('llm-api-router')!;
const openai = results.get('openai')!;
const header = ['module', 'import ms (median)', 'min ms', 'RSS +MB (median)', 'process wall ms', 'vs openai'];
console.log(`\n${formatTable(header, MAIN.map((m) => row(results.get(m)!, openai)))}`);
const msRatio = core.ms / openai.ms;
console.log(
  `\nllm-api-router / openai: import ${ratio(core.ms, openai.ms)}, RSS ${ratio(core.rssMb, openai.rssMb)}, process wall ${ratio(core.wallMs, openai.wallMs)}` +
    ` (target <= ${TARGET_RATIO}x: ${msRatio <= TARGET_RATIO ? 'met' : 'NOT met'})`,
);
console.log(`\nEach dependency of the core imported alone (shares are approximate: modules overlap little):`);
console.log(
  formatTable(
    [...header.slice(0, 5), 'loaded'],
    [...BREAKDOWN, BASELINE].map((m) => [...row(results.get(m)!, undefined).slice(0, 5), m === BASELINE ? '(baseline)' : (ON_FIRST_USE[m] ?? 'on import')]),
  ),
);
console.log(`\nThe core's import with dependencies already loaded (what it would cost if they loaded lazily):`);
console.log(
  formatTable(
    ['already loaded', 'import ms (median)', 'min ms', 'RSS +MB (median)', 'vs openai'],
    WITHOUT.map((key) => {
      const s = results.get(key)!;
      return [key.split('<').slice(1).join(' + '), fixed(s.ms, 1), fixed(s.minMs, 1), fixed(s.rssMb, 1), ratio(s.ms, openai.ms)];
    }),
  ),
);
console.log(`load average ${loadAverage()} at end`);
