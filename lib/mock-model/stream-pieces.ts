/**
 * Splits a text into at most `count` pieces at word ends, so that whitespace leads the next piece (as
 * model tokens do: `"Echo:"`, `" hello"`) and the pieces concatenate to the text. An empty text gives no piece.
 */
export function splitWords(text: string, count: number): string[] {
  if (text.length === 0) return [];
  const ends: number[] = [];
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) <= 32) {
      if (inWord) ends.push(i);
      inWord = false;
    } else {
      inWord = true;
    }
  }
  if (inWord) ends.push(text.length);
  const words = ends.length;
  const pieces = Math.max(1, Math.min(count, words));
  if (pieces === 1) return [text];
  const out: string[] = [];
  let from = 0;
  for (let p = 1; p < pieces; p++) {
    const at = ends[Math.floor((p * words) / pieces) - 1]!;
    out.push(text.slice(from, at));
    from = at;
  }
  out.push(text.slice(from));
  return out;
}

/** Splits a string into at most `count` non-empty pieces of near-equal length. */
export function splitEven(text: string, count: number): string[] {
  const pieces = Math.max(1, Math.min(count, text.length));
  const out: string[] = [];
  let from = 0;
  for (let p = 1; p <= pieces; p++) {
    const to = Math.round((p * text.length) / pieces);
    out.push(text.slice(from, to));
    from = to;
  }
  return out;
}
