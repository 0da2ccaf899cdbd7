/**
 * A deterministic embedding of a text: `dimensions` values derived from an FNV-1a hash of the text, each
 * a multiple of 1/1024 in [-1, 1] so that the float and the base64 (float32) encodings agree exactly.
 */
export function mockEmbedding(text: string, dimensions: number): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let x = h >>> 0 || 1;
  const out = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ((x % 2049) - 1024) / 1024;
  }
  return out;
}

/** The little-endian float32 base64 encoding OpenAI uses for `encoding_format: "base64"`. */
export function embeddingToBase64(values: readonly number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf.toString('base64');
}
