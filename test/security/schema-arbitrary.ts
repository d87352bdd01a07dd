import fc from 'fast-check';

/**
 * Valid-looking request bodies from the API's own OpenAPI document (JSON Schema), so the fuzz test gets past
 * the first validation and reaches the code behind it; one leaf is then swapped for something hostile.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: unknown };

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function resolve(schema: Schema, document: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return schema;
  let current: unknown = document;
  for (const part of ref.slice(2).split('/')) current = isSchema(current) ? current[part] : undefined;
  return isSchema(current) ? resolve(current, document) : {};
}

export function schemaArbitrary(
  input: Schema,
  document: Schema,
  ids: string[],
  depth = 0,
): fc.Arbitrary<Json> {
  const schema = resolve(input, document);
  if (depth > 6) return fc.constant(null);
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.constantFrom(...(schema.enum as Json[]));
  if ('const' in schema) return fc.constant(schema.const as Json);
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length > 0) {
    return fc.oneof(...variants.filter(isSchema).map((v) => schemaArbitrary(v, document, ids, depth + 1)));
  }
  if (Array.isArray(schema.allOf) && isSchema(schema.allOf[0])) {
    return schemaArbitrary(schema.allOf[0], document, ids, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      const entries = Object.entries(properties).filter(([, v]) => isSchema(v));
      const shape = Object.fromEntries(
        entries.map(([key, value]) => [key, schemaArbitrary(value as Schema, document, ids, depth + 1)]),
      );
      return fc.record(shape, {
        requiredKeys: entries.map(([key]) => key).filter((key) => required.has(key)),
      }) as fc.Arbitrary<Json>;
    }
    case 'array': {
      const items = isSchema(schema.items) ? schema.items : {};
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.max(
        minLength,
        Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3),
      );
      return fc.array(schemaArbitrary(items, document, ids, depth + 1), { minLength, maxLength });
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      return fc.integer({ min: Math.ceil(Math.max(min, -1e9)), max: Math.floor(Math.min(max, 1e9)) });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string': {
      if (schema.format === 'email')
        return fc.constantFrom('east.seller@example.com', 'new.person@example.com');
      if (schema.format === 'uri') return fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:1/');
      if (schema.format === 'date') return fc.constantFrom('2026-01-05', '2026-12-31');
      const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const max = typeof schema.maxLength === 'number' ? schema.maxLength : 200;
      if (typeof schema.pattern === 'string') {
        try {
          const pattern = new RegExp(schema.pattern);
          const matching = ids.filter((id) => pattern.test(id) && id.length >= min && id.length <= max);
          const generated = fc
            .stringMatching(pattern, { size: 'xsmall' })
            .map((t) => (t.length > max ? t.slice(0, max) : t));
          return matching.length > 0 ? fc.oneof(fc.constantFrom(...matching), generated) : generated;
        } catch {
          // A pattern JavaScript cannot compile: fall through to plain strings.
        }
      }
      return fc.oneof(
        fc.constantFrom(...ids),
        fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(min, 12) }),
        fc.constantFrom('Europe/Warsaw', 'lead', '09:00', 'node-1'),
      );
    }
    default:
      return fc.constant('x');
  }
}

/** The value with the leaf (or sub-tree) at position `index` replaced by `replacement`. */
export function swapLeaf(value: Json, index: number, replacement: Json): Json {
  const paths: (string | number)[][] = [];
  const walk = (node: Json, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...path, i]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    }
  };
  walk(value, []);
  const target = paths[index % paths.length] ?? [];
  if (target.length === 0) return replacement;
  const copy = structuredClone(value) as Json;
  let parent = copy as { [key: string]: Json } | Json[];
  for (const part of target.slice(0, -1))
    parent = (parent as Record<string | number, Json>)[part] as typeof parent;
  (parent as Record<string | number, Json>)[target.at(-1)!] = replacement;
  return copy;
}
