import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { faultMismatch, faultProblem, isJsonBodyFault, isStreamFault, MOCK_FAULT_HEADER, type EnqueueFaultOptions, type MockFault, type MockFaultMatch, type WireFormat } from './fault.js';
import { mockRequestId, type JsonAnswer, type MockRoute, type StreamAnswer, type WireFormatHandler } from './formats/wire-format.js';
import { resolveRoute } from './mock-routes.js';
import { applyStreamFaults } from './stream-faults.js';
import { logEntry, matches, parseQuery, resolveSettings, type MockProviderServerOptions, type QueuedFault, type Settings } from './mock-server-options.js';
import type { MockProviderServerSettings, MockRequestLogEntry } from './mock-server-options.js';
import { unknownField } from './unknown-field.js';

export type { MockProviderServerOptions, MockProviderServerSettings, MockRequestLogEntry } from './mock-server-options.js';

/** One request on its way to its answer. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly handler: WireFormatHandler;
  readonly route: MockRoute;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly seq: number;
  readonly settings: Settings;
  /** Headers every answer to the request carries (the request id), as a flat name/value list. */
  readonly baseHeaders: readonly string[];
}

interface MutableLogEntry extends MockRequestLogEntry {
  fault: MockFault | undefined;
}


const EMPTY_QUERY: Readonly<Record<string, string>> = Object.freeze({});
const NO_HEADERS: readonly string[] = Object.freeze([]) as readonly string[];
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const ENQUEUE_KEYS = ['times', 'match'] as const satisfies ReadonlyArray<keyof EnqueueFaultOptions>;
const MATCH_KEYS = ['path', 'format', 'model', 'stream'] as const satisfies ReadonlyArray<keyof MockFaultMatch>;

/**
 * A local HTTP server speaking the wire formats of OpenAI (and Azure OpenAI and the OpenAI-compatible
 * family), Anthropic, Gemini and Ollama, with deterministic replies, fault injection and a request log.
 *
 * ```ts
 * const server = await MockProviderServer.start();
 * const openai = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1` });
 * server.enqueueFault({ status: 429, headers: { 'retry-after': '1' } });
 * await server.close();
 * ```
 */
export class MockProviderServer {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;

  private settings: Settings;
  private readonly initialSettings: Settings;
  private readonly server: Server;
  private faults: QueuedFault[] = [];
  private log: MutableLogEntry[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(server: Server, host: string, port: number, settings: Settings) {
    this.server = server;
    this.host = host;
    this.port = port;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.settings = settings;
    this.initialSettings = settings;
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: MockProviderServerOptions = {}): Promise<MockProviderServer> {
    const { host = '127.0.0.1', port = 0, ...rest } = options;
    const settings = resolveSettings(undefined, rest, 'MockProviderServer');
    const server = createServer({ keepAlive: true, noDelay: true });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const instance = new MockProviderServer(server, host, address.port, settings);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => instance.onRequest(req, res));
    return instance;
  }

  /** The logged requests, oldest first (at most `maxLoggedRequests`). */
  get requests(): readonly MockRequestLogEntry[] {
    const max = this.settings.maxLoggedRequests;
    return this.log.length > max ? this.log.slice(this.log.length - max) : this.log;
  }

  /** Empties the request log. */
  clearRequests(): void {
    this.log = [];
  }

  /**
   * Queues a fault for the next matching request(s). Queued faults are tried in order; the first that
   * matches is applied and used up. A request's `x-mock-fault` header takes precedence over the queue.
   */
  enqueueFault(fault: MockFault, options: EnqueueFaultOptions = {}): void {
    const unknown = unknownField(options, ENQUEUE_KEYS, 'options.', 'an option of enqueueFault') ?? unknownField(options.match ?? {}, MATCH_KEYS, 'options.match.', 'an option of enqueueFault');
    if (unknown !== undefined) throw new TypeError(unknown);
    const times = options.times ?? 1;
    if (!(times >= 1)) throw new RangeError('times must be >= 1');
    const problem = faultProblem(fault);
    if (problem !== undefined) throw new TypeError(problem);
    this.faults.push({ fault, match: options.match, streamOnly: isStreamFault(fault), jsonOnly: isJsonBodyFault(fault), remaining: times });
  }

  /** How many fault applications are still queued (`Infinity` if one is unbounded). */
  get pendingFaults(): number {
    let n = 0;
    for (const f of this.faults) n += f.remaining;
    return n;
  }

  /** Drops every queued fault. */
  clearFaults(): void {
    this.faults = [];
  }

  /** Changes settings for the requests that follow; `reset()` restores the ones given to `start`. */
  configure(settings: MockProviderServerSettings): void {
    this.settings = resolveSettings(this.settings, settings, 'MockProviderServer.configure');
  }

  /** Restores the start settings, drops queued faults, empties the log and restarts the sequence numbers. */
  reset(): void {
    this.settings = this.initialSettings;
    this.faults = [];
    this.log = [];
    this.seq = 0;
  }

  /** Stops listening and destroys every open connection (hanging and keep-alive ones too). */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.closing = new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 || q === url.length - 1 ? EMPTY_QUERY : parseQuery(url.slice(q + 1));
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD') {
      this.process(req, res, method, path, query, undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const raw = chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString();
      this.process(req, res, method, path, query, raw);
    });
  }

  private process(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: Readonly<Record<string, string>>,
    raw: string | undefined,
  ): void {
    const seq = ++this.seq;
    let body: unknown;
    let bodyIsJson = true;
    if (raw !== undefined && raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        bodyIsJson = false;
      }
    }
    const resolved = resolveRoute(method, path, req.headers, query);
    if (resolved === undefined) {
      this.record(seq, req, method, path, query, body, undefined, undefined, undefined, false);
      this.sendJson(res, NO_HEADERS, {
        kind: 'json',
        status: 404,
        body: { error: { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null } },
      });
      return;
    }
    const { handler, route } = resolved;
    const model = bodyIsJson ? handler.modelOf(route, body) : undefined;
    const stream = bodyIsJson && handler.isStream(route, body, query);
    const entry = this.record(seq, req, method, path, query, body, handler.format, route.endpoint, model, stream);
    const ridHeader = handler.requestIdHeader;
    const baseHeaders = ridHeader === undefined ? NO_HEADERS : [ridHeader, mockRequestId(seq)];

    const settings = this.settings;
    if (handler.needsKey) {
      const key = handler.credential(route, req.headers, query);
      if (key === undefined) return this.sendJson(res, baseHeaders, handler.authError(route, 'missing', seq));
      if (!this.accepts(settings, key, handler.format, path)) {
        return this.sendJson(res, baseHeaders, handler.authError(route, 'invalid', seq));
      }
    }
    if (route.azureDeployment !== undefined && query['api-version'] === undefined) {
      return this.sendJson(res, baseHeaders, { kind: 'json', status: 404, body: { error: { code: '404', message: 'Resource not found' } } });
    }
    const headerError = handler.checkHeaders(route, req.headers, seq);
    if (headerError !== undefined) return this.sendJson(res, baseHeaders, headerError);
    if (!bodyIsJson) {
      return this.sendJson(res, baseHeaders, handler.errorAnswer(route, 400, seq, 'We could not parse the JSON body of your request.'));
    }

    let fault: MockFault | undefined;
    const header = req.headers[MOCK_FAULT_HEADER];
    if (typeof header === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(header);
      } catch {
        return this.sendJson(res, baseHeaders, handler.errorAnswer(route, 400, seq, `${MOCK_FAULT_HEADER} header is not valid JSON`));
      }
      const problem = faultProblem(parsed) ?? faultMismatch(parsed as MockFault, stream);
      if (problem !== undefined) return this.sendJson(res, baseHeaders, handler.errorAnswer(route, 400, seq, `${MOCK_FAULT_HEADER}: ${problem}`));
      fault = parsed as MockFault;
    } else if (this.faults.length > 0) {
      fault = this.takeFault(path, handler.format, model, stream);
    }
    if (entry !== undefined) entry.fault = fault;
    const exchange: Exchange = { req, res, handler, route, path, query, body, seq, settings, baseHeaders };
    if (fault === undefined) this.respond(exchange, undefined);
    else this.respondWithFault(exchange, fault).catch(() => res.destroy());
  }

  private accepts(settings: Settings, key: string, format: WireFormat, path: string): boolean {
    if (settings.apiKeys !== undefined && !settings.apiKeys.includes(key)) return false;
    if (settings.authenticate !== undefined) {
      try {
        return settings.authenticate(key, { format, path });
      } catch {
        return false;
      }
    }
    return true;
  }

  private takeFault(path: string, format: WireFormat, model: string | undefined, stream: boolean): MockFault | undefined {
    const faults = this.faults;
    for (let i = 0; i < faults.length; i++) {
      const entry = faults[i]!;
      if (!matches(entry, path, format, model, stream)) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) faults.splice(i, 1);
      return entry.fault;
    }
    return undefined;
  }

  private record(
    seq: number,
    req: IncomingMessage,
    method: string,
    path: string,
    query: Readonly<Record<string, string>>,
    body: unknown,
    format: WireFormat | undefined,
    endpoint: string | undefined,
    model: string | undefined,
    stream: boolean,
  ): MutableLogEntry | undefined {
    const settings = this.settings;
    if (!settings.logRequests) return undefined;
    const entry = logEntry(seq, req.headers, method, path, query, body, format, endpoint, model, stream);
    const log = this.log;
    log.push(entry);
    if (log.length >= settings.maxLoggedRequests * 2) log.splice(0, log.length - settings.maxLoggedRequests);
    return entry;
  }

  private async respondWithFault(exchange: Exchange, fault: MockFault): Promise<void> {
    const { req, res } = exchange;
    if (fault.delayMs !== undefined && fault.delayMs > 0) {
      await this.sleep(fault.delayMs, res);
      if (this.gone(res)) return;
    }
    if (fault.hang === true) return;
    if (fault.reset === true) {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault.status !== undefined) {
      const answer: JsonAnswer =
        fault.body === undefined
          ? exchange.handler.errorAnswer(exchange.route, fault.status, exchange.seq)
          : { kind: 'json', status: fault.status, body: fault.body };
      this.sendJson(res, exchange.baseHeaders, answer, fault.headers);
      return;
    }
    this.respond(exchange, fault);
  }

  private respond(exchange: Exchange, fault: MockFault | undefined): void {
    try {
      this.answer(exchange, fault);
    } catch (error) {
      const { res } = exchange;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = `mock provider server: ${error instanceof Error ? error.message : String(error)}`;
      this.sendJson(res, exchange.baseHeaders, exchange.handler.errorAnswer(exchange.route, 500, exchange.seq, message));
    }
  }

  private answer(exchange: Exchange, fault: MockFault | undefined): void {
    const { res, handler, route, query, baseHeaders } = exchange;
    const answer = handler.answer({
      route,
      path: exchange.path,
      query,
      headers: exchange.req.headers,
      body: exchange.body,
      seq: exchange.seq,
      settings: exchange.settings,
      contentFilter: fault?.contentFilter === true,
    });
    if (fault?.malformedJson === true) {
      const text = answer.kind === 'json' ? (typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)) : answer.frames.join('');
      const broken = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
      this.sendJson(res, baseHeaders, { kind: 'json', status: 200, body: broken, contentType: 'application/json' }, fault.headers);
      return;
    }
    if (answer.kind === 'json') {
      if (fault?.resetDuringBody === true) this.sendHalfAndReset(res, answer);
      else this.sendJson(res, baseHeaders, answer, fault?.headers);
      return;
    }
    this.sendStream(exchange, answer, fault);
  }

  private sendJson(
    res: ServerResponse,
    baseHeaders: readonly string[],
    answer: JsonAnswer,
    extraHeaders?: Readonly<Record<string, string>>,
  ): void {
    if (this.gone(res)) return;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const headers = ['content-type', answer.contentType ?? 'application/json', 'content-length', String(Buffer.byteLength(text)), ...baseHeaders];
    if (answer.headers !== undefined) for (const name in answer.headers) headers.push(name, answer.headers[name]!);
    if (extraHeaders !== undefined) for (const name in extraHeaders) headers.push(name, extraHeaders[name]!);
    res.writeHead(answer.status, headers);
    res.end(text);
  }

  /** The head and half the body of a JSON answer (its full length announced), then a TCP reset. */
  private sendHalfAndReset(res: ServerResponse, answer: JsonAnswer): void {
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(text))]);
    res.write(text.slice(0, text.length >> 1), () => res.socket?.resetAndDestroy());
  }

  private sendStream(exchange: Exchange, answer: StreamAnswer, fault: MockFault | undefined): void {
    const { res, handler, route, query } = exchange;
    if (this.gone(res)) return;
    const { frames, cutAfter, close } = applyStreamFaults(answer, fault, handler, route, query);
    const headers = ['content-type', answer.contentType, 'cache-control', 'no-cache', ...exchange.baseHeaders];
    if (fault?.headers !== undefined) for (const name in fault.headers) headers.push(name, fault.headers[name]!);
    res.writeHead(200, headers);

    const finish = (): void => {
      if (cutAfter !== undefined) {
        res.flushHeaders();
        res.socket?.destroySoon();
      } else {
        res.end(close);
      }
    };
    const delayMs = exchange.settings.chunkDelayMs;
    if (delayMs === 0) {
      let text = answer.open ?? '';
      for (const frame of frames) text += frame;
      if (text.length > 0) res.write(text);
      finish();
      return;
    }
    if (answer.open !== undefined) res.write(answer.open);
    else res.flushHeaders();
    let i = 0;
    const step = (): void => {
      if (this.gone(res)) return;
      if (i < frames.length) {
        res.write(frames[i++]!);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          step();
        }, delayMs);
        this.timers.add(timer);
        return;
      }
      finish();
    };
    step();
  }

  private sleep(ms: number, res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve();
      }, ms);
      this.timers.add(timer);
      res.once('close', onClose);
    });
  }

  private gone(res: ServerResponse): boolean {
    return this.closed || res.destroyed || res.writableEnded;
  }
}
