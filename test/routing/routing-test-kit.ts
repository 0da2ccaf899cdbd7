import { LlmRouter, type LlmRouterOptions, type ProviderConfig, type RouterEvent } from '../../lib/index.js';
import { after, before, beforeEach } from 'node:test';
import { type MockFault, MockProviderServer } from '../../lib/testing/index.js';
import { TEST_KEY } from '../core/core-test-kit.js';

/** A fake clock for the `clock` option: starts at `start`, moves only when told. */
export class FakeClock {
  constructor(public now = 1_000_000) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/**
 * Routers over one `MockProviderServer`, each provider under its own path (so a test's faults never
 * reach another test's providers), with a fake clock.
 */
export class RoutingBed {
  private run = 0;
  private readonly routers: LlmRouter[] = [];
  clock = new FakeClock();

  constructor(readonly server: MockProviderServer) {}

  /** Starts a new test: fresh paths and clock. */
  next(): void {
    this.run++;
    this.clock = new FakeClock();
    this.server.clearFaults();
  }

  seg(name: string): string {
    return `/rt${this.run}-${name}/`;
  }

  provider(name: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
    return {
      providerType: 'openai',
      name,
      apiKey: TEST_KEY,
      baseUrl: `${this.server.url}${this.seg(name)}v1`,
      defaultModel: `model-${name}`,
      maxRetries: 0,
      ...extra,
    };
  }

  router(names: Array<string | ProviderConfig>, options: Partial<LlmRouterOptions> = {}): LlmRouter {
    const r = new LlmRouter({
      providers: names.map((n) => (typeof n === 'string' ? this.provider(n) : n)),
      metricsEnabled: false,
      clock: this.clock.read,
      ...options,
    });
    this.routers.push(r);
    return r;
  }

  hits(name: string): number {
    return this.server.requests.filter((q) => q.path.startsWith(this.seg(name))).length;
  }

  fail(name: string, fault: MockFault, times = 1): void {
    this.server.enqueueFault(fault, { times, match: { path: this.seg(name) } });
  }

  async close(): Promise<void> {
    await Promise.all(this.routers.map((r) => r.close()));
  }
}

export const ask = (r: LlmRouter, extra: object = {}) => r.chat.completions.create({ messages: [{ role: 'user', content: 'hi' }], ...extra });

/** The `request.route` events a router emits while `fn` runs. */
export async function routes(r: LlmRouter, fn: () => Promise<unknown>): Promise<Array<Extract<RouterEvent, { type: 'request.route' }>>> {
  const seen: Array<Extract<RouterEvent, { type: 'request.route' }>> = [];
  const sub = r.events$.subscribe((e) => {
    if (e.type === 'request.route') seen.push(e);
  });
  try {
    await fn();
  } finally {
    sub.unsubscribe();
  }
  return seen;
}

/** `provider:skipped` of each candidate of a route event, e.g. `['a:cooling_down', 'b']`. */
export function plan(e: Extract<RouterEvent, { type: 'request.route' }>): string[] {
  return e.candidates.map((c) => (c.skipped === null ? c.provider : `${c.provider}:${c.skipped}`));
}

/** Registers the suite's hooks: one server and bed for the suite, a fresh bed state per test, both closed after. */
export function useRoutingBed(ready: (server: MockProviderServer, bed: RoutingBed) => void): void {
  let server: MockProviderServer;
  let bed: RoutingBed;
  before(async () => {
    server = await MockProviderServer.start();
    bed = new RoutingBed(server);
    ready(server, bed);
  });
  beforeEach(() => bed.next());
  after(async () => {
    await bed.close();
    await server.close();
  });
}
