import { StringDecoder } from 'node:string_decoder';

/**
 * Decodes a byte stream as UTF-8 text, keeping characters split across chunks intact. (undici's body
 * ignores `setEncoding` for iteration: it always yields Buffers.)
 */
export async function* readText(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of body) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
