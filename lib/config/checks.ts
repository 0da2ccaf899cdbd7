import { ConfigurationError } from '../errors/llm-router-error.js';

/** A plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a configuration error may say about a value: numbers and booleans as they are, anything else
 * only by its kind, since a string in the wrong field may be a key.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** A finite number >= 0 (whole when `integer`), or undefined when absent. */
export function nonNegativeNumber(value: unknown, field: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(field, `must be a ${integer ? 'whole ' : ''}number >= 0, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number > 0, or undefined when absent. */
export function positiveNumber(value: unknown, field: string, integer = false): number | undefined {
  const n = nonNegativeNumber(value, field, integer);
  if (n === 0) throw new ConfigurationError(field, 'must be greater than 0, got 0');
  return n;
}

/** A non-empty string (not only blanks), or undefined when absent. */
export function nonEmptyString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigurationError(field, `must be a non-empty string, got ${describeValue(value)}`);
  return value;
}

/** An object of string values, or undefined when absent. Neither keys nor values are quoted in errors. */
export function stringRecord(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ConfigurationError(field, 'must be an object of string values');
  }
  return value as Record<string, string>;
}

/** A function, or undefined when absent. */
export function optionalFunction<F extends (...args: never[]) => unknown>(value: unknown, field: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigurationError(field, `must be a function, got ${describeValue(value)}`);
  return value as F;
}
