import { closestName } from '../config/checks.js';

/**
 * Why `value` has a key (with a value) that is not in `known`, or `undefined`: `<prefix><key> is not <what>;
 * did you mean <name>?`. A misspelt fault or option must fail the test that wrote it, not do nothing.
 */
export function unknownField(value: object, known: readonly string[], prefix: string, what: string): string | undefined {
  for (const key of Object.keys(value)) {
    if ((value as Record<string, unknown>)[key] === undefined || known.includes(key)) continue;
    const guess = closestName(key, known);
    return `${prefix}${key.length > 60 ? `${key.slice(0, 60)}…` : key} is not ${what}${guess === undefined ? '' : `; did you mean ${guess}?`}`;
  }
  return undefined;
}
