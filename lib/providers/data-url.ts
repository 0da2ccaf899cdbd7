/** The parts of a `data:` URL carrying base64 data. */
export interface DataUrl {
  mimeType: string;
  /** The base64 payload, as it is in the URL. */
  data: string;
}

const DATA_URL = /^data:([^;,]+)?((?:;[^;,=]+=[^;,]*)*);base64,/i;

/** Splits a base64 `data:` URL into MIME type and payload; undefined for any other URL. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const m = DATA_URL.exec(url);
  if (m === null) return undefined;
  return { mimeType: (m[1] ?? 'application/octet-stream').toLowerCase(), data: url.slice(m[0].length) };
}
