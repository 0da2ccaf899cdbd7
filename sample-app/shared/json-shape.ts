import { ApiError, invalidRequest } from './api-error.js';

/** A check of one JSON value at `path` (OpenAI's parameter notation: `messages[0].content`). Throws a 400 `ApiError`. */
export type Shape = (value: unknown, path: string) => void;

type Json = Record<string, unknown>;

/** `true` for a plain JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How OpenAI names a JSON value's type in its error messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return Number.isInteger(v) ? 'an integer' : 'a decimal';
    default:
      return 'an object';
  }
}

/** The 400 OpenAI answers for a value of the wrong JSON type. */
export function invalidType(path: string, expected: string, value: unknown): ApiError {
  return invalidRequest(`Invalid type for '${path}': expected ${expected}, but got ${describeType(value)} instead.`, path, 'invalid_type');
}

/** A 400 for a parameter this router recognises but cannot honour. */
export function unsupported(path: string, why: string): ApiError {
  return invalidRequest(`Unsupported parameter '${path}': ${why}`, path, 'unsupported_parameter');
}

const quote = (v: unknown): string => (typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : String(v));

/** A string (well-formed UTF-16: no unpaired surrogate, which has no UTF-8 encoding). */
export const string: Shape = (v, path) => {
  if (typeof v !== 'string') throw invalidType(path, 'a string', v);
  if (!(v as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw invalidRequest(`Invalid '${path}': the string holds an unpaired surrogate (not valid Unicode).`, path, 'invalid_value');
  }
};

/** A finite number. */
export const number: Shape = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidType(path, 'a number', v);
};

/** A whole number. */
export const integer: Shape = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidType(path, 'an integer', v);
};

/** `true` or `false`. */
export const boolean: Shape = (v, path) => {
  if (typeof v !== 'boolean') throw invalidType(path, 'a boolean', v);
};

/** Any JSON object (its members unchecked). */
export const anyObject: Shape = (v, path) => {
  if (!isObject(v)) throw invalidType(path, 'an object', v);
};

/** One of the given strings. */
export function oneOf(...values: string[]): Shape {
  const allowed = new Set(values);
  const list = values.map((v) => `'${v}'`).join(', ');
  return (v, path) => {
    string(v, path);
    if (!allowed.has(v as string)) throw invalidRequest(`Invalid value for '${path}': ${quote(v)}. Supported values are: ${list}.`, path, 'invalid_value');
  };
}

/** `null` or the shape. */
export function nullable(shape: Shape): Shape {
  return (v, path) => {
    if (v !== null) shape(v, path);
  };
}

/** An array whose items have `item`'s shape, with at most `max` items. */
export function arrayOf(item: Shape, max = Infinity): Shape {
  return (v, path) => {
    if (!Array.isArray(v)) throw invalidType(path, 'an array', v);
    if (v.length > max) throw invalidRequest(`Invalid '${path}': expected an array with maximum length ${max}, but got an array with length ${v.length} instead.`, path, 'array_above_max_length');
    for (let i = 0; i < v.length; i++) item(v[i], `${path}[${i}]`);
  };
}

/** An object whose values all have `value`'s shape (OpenAI's `metadata`, `logit_bias`). */
export function recordOf(value: Shape, maxKeys = Infinity): Shape {
  return (v, path) => {
    if (!isObject(v)) throw invalidType(path, 'an object', v);
    const keys = Object.keys(v);
    if (keys.length > maxKeys) throw invalidRequest(`Invalid '${path}': at most ${maxKeys} keys are allowed, got ${keys.length}.`, path, 'object_above_max_properties');
    for (const k of keys) value(v[k], `${path}.${k}`);
  };
}

/** Shapes of an object's members. */
export type Members = Readonly<Record<string, Shape>>;

/**
 * An object with the given members, each optional unless listed in `required`. A member not in
 * `members` is a 400 `unknown_parameter` (own keys only: `__proto__` or `constructor` in the JSON
 * are unknown members, never the object's prototype).
 */
export function object(members: Members, required: readonly string[] = []): Shape {
  const known = new Map(Object.entries(members));
  return (v, path) => {
    if (!isObject(v)) throw invalidType(path || 'body', 'an object', v);
    for (const key of required) {
      if (!Object.hasOwn(v, key)) throw invalidRequest(`Missing required parameter: '${join(path, key)}'.`, join(path, key), 'missing_required_parameter');
    }
    for (const key of Object.keys(v)) {
      const shape = known.get(key);
      if (shape === undefined) throw invalidRequest(`Unrecognized request argument supplied: '${join(path, key)}'.`, join(path, key), 'unknown_parameter');
      shape(v[key], join(path, key));
    }
  };
}

/**
 * An object told apart by its `key` member (default `type`): each variant is an `object()` shape for
 * that value. A value in `unsupportedValues` is a 400 `unsupported_parameter`, any other a 400 listing
 * the supported ones.
 */
export function tagged(variants: Readonly<Record<string, Shape>>, unsupportedValues: readonly string[] = [], key = 'type'): Shape {
  const byValue = new Map(Object.entries(variants));
  const keyShape = oneOf(...byValue.keys(), ...unsupportedValues);
  return (v, path) => {
    if (!isObject(v)) throw invalidType(path, 'an object', v);
    const at = join(path, key);
    if (!Object.hasOwn(v, key)) throw invalidRequest(`Missing required parameter: '${at}'.`, at, 'missing_required_parameter');
    keyShape(v[key], at);
    const shape = byValue.get(v[key] as string);
    if (shape === undefined) throw unsupported(at, `${quote(v[key])} is not supported by this router.`);
    shape(v, path);
  };
}

/** The first shape whose guard accepts the value; else a type error naming `expected`. */
export function either(expected: string, ...options: Array<[guard: (v: unknown) => boolean, shape: Shape]>): Shape {
  return (v, path) => {
    for (const [guard, shape] of options) {
      if (guard(v)) {
        shape(v, path);
        return;
      }
    }
    throw invalidType(path, expected, v);
  };
}

/** A guard for `either`. */
export const is = {
  string: (v: unknown): boolean => typeof v === 'string',
  array: (v: unknown): boolean => Array.isArray(v),
  object: isObject,
  null: (v: unknown): boolean => v === null,
};

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
