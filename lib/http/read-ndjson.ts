/** Reads a text stream as newline-delimited JSON; yields each non-empty line as text. */
export async function* readNdjsonLines(body: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const text of body) {
    buffer += text;
    let start = 0;
    let nl: number;
    while ((nl = buffer.indexOf('\n', start)) !== -1) {
      const line = buffer.slice(start, nl).trim();
      start = nl + 1;
      if (line.length > 0) yield line;
    }
    buffer = buffer.slice(start);
  }
  const rest = buffer.trim();
  if (rest.length > 0) yield rest;
}
