import { describeUnknownKey, unknownKey } from '../config/checks.js';

/**
 * Why `value` has a key (with a value) that is not in `known`, or `undefined`: `<prefix><key> is not <what>;
 * did you mean <name>?`. A misspelt fault or option must fail the test that wrote it, not do nothing.
 */
export function unknownField(value: object, known: readonly string[], prefix: string, what: string): string | undefined {
  const key = unknownKey(value, known);
  if (key === undefined) return undefined;
  const { shown, hint } = describeUnknownKey(key, known);
  return `${prefix}${shown} is not ${what}${hint}`;
}
