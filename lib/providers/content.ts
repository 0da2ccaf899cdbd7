import type { ChatMessage } from '../types/chat.js';

/** The text parts of a message content joined by `separator` ('' for null; images are skipped). */
export function textOf(content: ChatMessage['content'], separator = '\n'): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  let out = '';
  let first = true;
  for (const p of content) {
    if (p.type !== 'text') continue;
    out = first ? p.text : `${out}${separator}${p.text}`;
    first = false;
  }
  return out;
}

/** A finite number, else 0 (token counts the wire may omit). */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** A finite number, else undefined. */
export function numOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A non-null, non-array object. */
export function isRecord(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
