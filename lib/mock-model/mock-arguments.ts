/**
 * Deterministic arguments for a tool's JSON Schema: every property gets `enum[0]` when it has an enum
 * (or `const`, or `default`), else `"mock"` for strings, `1` for numbers and integers, `true` for
 * booleans, one item for arrays with `minItems`, and objects recurse. Gemini's upper-case type names are
 * understood.
 */
export function mockArguments(schema: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (schema === null || typeof schema !== 'object' || depth > 4) return out;
  const properties = (schema as { properties?: unknown }).properties;
  if (properties === null || typeof properties !== 'object') return out;
  for (const [key, prop] of Object.entries(properties as Record<string, unknown>)) {
    out[key] = mockValue(prop, depth + 1);
  }
  return out;
}

function mockValue(schema: unknown, depth: number): unknown {
  if (schema === null || typeof schema !== 'object') return null;
  const s = schema as { type?: unknown; enum?: unknown; const?: unknown; default?: unknown; items?: unknown; minItems?: unknown; anyOf?: unknown; oneOf?: unknown };
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (union !== undefined && union.length > 0) return mockValue(union[0], depth);
  const types = Array.isArray(s.type) ? s.type.filter((t) => t !== 'null') : [s.type];
  const type = types[0];
  switch (typeof type === 'string' ? type.toLowerCase() : '') {
    case 'string':
      return 'mock';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array': {
      const min = typeof s.minItems === 'number' ? Math.min(s.minItems, 3) : 0;
      return Array.from({ length: min }, () => mockValue(s.items, depth + 1));
    }
    case 'object':
      return mockArguments(schema, depth);
    default:
      return null;
  }
}
