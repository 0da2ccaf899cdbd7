import { createRequire } from 'node:module';

/** Response headers as undici hands them to a dispatch handler: name, value, name, value… */
export type RawHeaders = Array<Buffer | string | string[]>;
/** Response headers, lower-cased names, repeated ones as arrays (undici's `parseHeaders`). */
export type ParsedHeaders = Record<string, string | string[] | undefined>;

let parse: ((raw: RawHeaders) => ParsedHeaders) | undefined;

/** Every header of a raw list, parsed by undici (loaded on first use). */
export function parseRawHeaders(raw: RawHeaders): ParsedHeaders {
  parse ??= (createRequire(import.meta.url)('undici') as { util: { parseHeaders(raw: RawHeaders): ParsedHeaders } }).util.parseHeaders;
  return parse(raw);
}

/** The first value of header `name` (lower-case) in a raw list, without parsing the others; names match case-insensitively. */
export function findRawHeader(raw: RawHeaders, name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && headerName(key) === name) return headerValue(raw[i + 1]!);
  }
  return undefined;
}

function headerName(raw: Buffer | string | string[]): string {
  return typeof raw === 'string' ? raw.toLowerCase() : (raw as Buffer).toString('latin1').toLowerCase();
}

function headerValue(raw: Buffer | string | string[]): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return String(raw[0]);
  return raw.toString('latin1');
}
