/**
 * The mock model's token count of a text: the number of words, a word being a maximal run of characters
 * other than ASCII whitespace and controls. `''` and `'  '` count 0, `'Echo: hello world'` counts 3.
 */
export function mockTokenCount(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count;
}

/** The text up to the end of its `words`-th word. */
export function truncateWords(text: string, words: number): string {
  if (words <= 0) return '';
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      if (inWord && count === words) return text.slice(0, i);
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return text;
}

/** Exactly `words` words: the text's words, repeated from the start as often as needed (`ok` for an empty text). */
export function repeatWords(text: string, words: number): string {
  const base = text.split(/\s+/).filter(Boolean);
  if (base.length === 0) base.push('ok');
  if (base.length >= words) return truncateWords(text, words);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(base[i % base.length]!);
  return out.join(' ');
}
