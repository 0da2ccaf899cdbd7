import { ConfigurationError } from 'llm-api-router';

/**
 * Throws a `ConfigurationError` for the first key of `value` (with a value) that is not in `known`, naming
 * it and listing the options: a misspelt `bearerToken` must not leave a route unprotected.
 */
export function onlyKnownOptions(value: object, known: readonly string[], field: string, owner: string = field): void {
  for (const key of Object.keys(value)) {
    if ((value as Record<string, unknown>)[key] === undefined || known.includes(key)) continue;
    const shown = key.length > 60 ? `${key.slice(0, 60)}…` : key;
    throw new ConfigurationError(field === '' ? shown : `${field}.${shown}`, `is not an option of ${owner} (its options: ${known.join(', ')})`);
  }
}
