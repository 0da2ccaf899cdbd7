/**
 * A child process of the shared-state tests: connects a `RedisStateStore` to argv[2] with prefix
 * argv[3], prints `ready`, waits for a line on stdin, then fires argv[4] concurrent `tryAcquire`s
 * (rpm argv[5], tpm argv[6] with 10 estimated tokens each), as many concurrent spends of 0.25 USD and
 * as many claims of one half-open probe, all at the fake time argv[7]; prints one JSON line of what it
 * was granted, then exits.
 */
import { once } from 'node:events';
import { RedisStateStore } from '../../lib/shared-state/index.js';

const [url, prefix, countArg, rpmArg, tpmArg, nowArg] = process.argv.slice(2);
const warnings: string[] = [];
const store = new RedisStateStore({ redis: url!, keyPrefix: prefix, commandTimeoutMs: 20_000, logger: { warn: (m) => warnings.push(m) } });
if (!(await store.ready())) throw new Error('redis not reachable');
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const count = Number(countArg);
const now = Number(nowArg);
const limits = { rpm: Number(rpmArg), tpm: tpmArg === '' ? undefined : Number(tpmArg) };
const budget = { name: 'shared', windowMs: 3_600_000 };
const [acquired, , probes] = await Promise.all([
  Promise.all(Array.from({ length: count }, () => store.tryAcquire('limited', limits, 10, now))),
  Promise.all(Array.from({ length: count }, () => store.addSpend([budget], 0.25, now))),
  Promise.all(Array.from({ length: count }, () => store.tryAcquireProbe('half-open', 30_000, now))),
]);
const granted = acquired.filter((r) => r.granted).length;
process.stdout.write(`${JSON.stringify({ granted, probes: probes.filter((p) => p !== null).length, online: store.online, warnings })}\n`);
await store.close();
process.exit(0);
