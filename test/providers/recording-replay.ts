import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The recordings copied from `../shared/provider-recordings/` (see its MANIFEST.md), one folder per providerType. */
export const RECORDINGS_DIR = new URL('../../../test/providers/recordings/', import.meta.url);

/** One recorded answer, rebuilt as the bytes the provider sent. */
export interface Recording {
  /** `folder/file`, e.g. `openai/openai-text.json`. */
  readonly name: string;
  /** The folder: the providerType a client must use. */
  readonly providerType: string;
  readonly status: number;
  readonly contentType: string;
  readonly stream: boolean;
  readonly body: string;
}

const OPENAI_FAMILY = new Set(['openai', 'azure-openai', 'deepseek', 'groq', 'mistral', 'openrouter', 'xai', 'aliyun', 'openai-compatible']);

function envelope(providerType: string, lines: string[]): string {
  if (OPENAI_FAMILY.has(providerType)) return `${lines.map((l) => `data: ${l}\n\n`).join('')}data: [DONE]\n\n`;
  if (providerType === 'anthropic') return lines.map((l) => `event: ${(JSON.parse(l) as { type: string }).type}\ndata: ${l}\n\n`).join('');
  if (providerType === 'gemini') return lines.map((l) => `data: ${l}\r\n\r\n`).join('');
  throw new Error(`no chunk envelope for ${providerType}`);
}

/** The answers of one recording file (a js-genai replay may hold several interactions), per MANIFEST.md's file forms. */
export function loadRecording(name: string): Recording[] {
  const [providerType, file] = name.split('/') as [string, string];
  const text = readFileSync(new URL(name, RECORDINGS_DIR), 'utf8');
  const base = { name, providerType };
  if (file.endsWith('.replay.json')) {
    const replay = JSON.parse(text) as { interactions: Array<{ request: { url: string }; response: { statusCode: number; bodySegments: unknown[] } }> };
    return replay.interactions.map(({ request, response }) => {
      const stream = request.url.includes('streamGenerateContent');
      const ok = response.statusCode < 300;
      return {
        ...base,
        status: response.statusCode,
        stream: stream && ok,
        contentType: stream ? 'text/event-stream' : 'application/json',
        body: stream && ok ? response.bodySegments.map((s) => `data: ${JSON.stringify(s)}\r\n\r\n`).join('') : JSON.stringify(response.bodySegments[0]),
      };
    });
  }
  if (file.endsWith('.chunks.txt')) {
    const lines = text.split('\n').filter((l) => l.trim().length > 0);
    return [{ ...base, status: 200, stream: true, contentType: 'text/event-stream', body: envelope(providerType, lines) }];
  }
  if (file.endsWith('.sse')) return [{ ...base, status: 200, stream: true, contentType: 'text/event-stream', body: text }];
  if (file.endsWith('.ndjson')) return [{ ...base, status: 200, stream: true, contentType: 'application/x-ndjson', body: text }];
  const status = /^error-(\d{3})-/.exec(file)?.[1];
  return [{ ...base, status: status === undefined ? 200 : Number(status), stream: false, contentType: 'application/json', body: text }];
}

/** Every recording file, as `folder/file`. */
export function recordingNames(): string[] {
  const names: string[] = [];
  for (const dir of readdirSync(RECORDINGS_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(new URL(`${dir.name}/`, RECORDINGS_DIR))) names.push(`${dir.name}/${file}`);
  }
  return names.sort();
}

/** A loopback server answering every request with the next queued recording (the last one again when the queue is empty). */
export class ReplayServer {
  private queue: Recording[] = [];
  private last: Recording | undefined;
  /** The requests' paths, in order. */
  readonly paths: string[] = [];
  /** The requests' headers, in order. */
  readonly requestHeaders: Array<Record<string, string | string[] | undefined>> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ReplayServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const replay = new ReplayServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        replay.paths.push(req.url ?? '');
        replay.requestHeaders.push(req.headers);
        const rec = replay.queue.shift() ?? replay.last;
        replay.last = rec;
        if (rec === undefined) {
          res.writeHead(500).end();
          return;
        }
        res.writeHead(rec.status, { 'content-type': rec.contentType, ...replay.headers });
        const random = replay.splitting;
        if (random === undefined) {
          res.end(rec.body);
          return;
        }
        void replay.writeSplit(res, Buffer.from(rec.body, 'utf8'), random);
      });
    });
    return replay;
  }

  /** Extra headers sent with every answer. */
  headers: Record<string, string> = {};

  /**
   * When set, each body is written in pieces cut at random bytes drawn from this generator (inside
   * multi-byte characters and line endings too), the last one to three bytes on their own, each piece after
   * a pause, so that each is a network read of its own and the reader waits between them.
   */
  splitting: (() => number) | undefined = undefined;

  private async writeSplit(res: ServerResponse, body: Buffer, random: () => number): Promise<void> {
    res.socket?.setNoDelay(true);
    const last = Math.max(0, body.length - 1 - Math.floor(random() * 3));
    const cuts = Array.from({ length: 8 }, () => Math.floor(random() * last)).sort((a, b) => a - b);
    let from = 0;
    for (const cut of [...cuts, last, body.length]) {
      if (cut <= from) continue;
      res.write(body.subarray(from, cut));
      from = cut;
      await new Promise((resolve) => setTimeout(resolve, 3));
      if (res.destroyed) return;
    }
    res.end();
  }

  serve(...recordings: Recording[]): void {
    this.queue.push(...recordings);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
