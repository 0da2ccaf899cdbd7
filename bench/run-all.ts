import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Runs every benchmark of bench/ that has been built, one after another, each in a process of its own:
//   node dist/bench/run-all.js
// Exits non-zero if one of them failed (the others still run).

const BENCHES = ['client-bench', 'metrics-bench', 'proxy-bench', 'import-bench', 'otel-bench', 'routing-bench', 'shared-state-bench'];

function run(script: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', script], { stdio: 'inherit' });
    child.once('error', (error) => {
      process.stderr.write(`could not start ${script}: ${error.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

const failed: string[] = [];
for (const name of BENCHES) {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (!existsSync(script)) {
    console.log(`\n=== ${name}: not built (no ${script}), skipped`);
    continue;
  }
  console.log(`\n=== ${name}`);
  const started = performance.now();
  const code = await run(script);
  console.log(`=== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (code !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.log(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
