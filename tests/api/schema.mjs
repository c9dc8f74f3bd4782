// A small JSON Schema (2020-12, as OpenAPI 3.1 uses it) validator: enough of the vocabulary
// to check the API's responses against its own description. Unknown keywords are ignored;
// `$ref` is resolved within one root document (`#/...` pointers only).

const typeOf = (value) => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

const matchesType = (value, type) => {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
};

/// The value at a `#/a/b` pointer in `root`.
export function resolvePointer(root, ref) {
  if (!ref.startsWith('#')) throw new Error(`only local $ref is supported, not \`${ref}\``);
  const unescape = (p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~');
  const parts = ref.slice(1).split('/').filter(Boolean).map(unescape);
  let node = root;
  for (const part of parts) {
    if (node === null || typeof node !== 'object' || !(part in node)) throw new Error(`unresolvable $ref \`${ref}\``);
    node = node[part];
  }
  return node;
}

/// Follows `$ref` until the node is not a bare reference.
export function deref(root, node) {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    node = resolvePointer(root, node.$ref);
    if ((seen += 1) > 50) throw new Error('$ref cycle');
  }
  return node;
}

const deepEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/// Every way `value` breaks `schema`, as `path: message` strings (empty when it is valid).
export function validate(root, schema, value, path = '$', depth = 0) {
  if (depth > 100) return [`${path}: schema nests too deep (a $ref loop?)`];
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const errors = [];
  if (typeof schema.$ref === 'string') {
    errors.push(...validate(root, resolvePointer(root, schema.$ref), value, path, depth + 1));
  }
  if (schema.nullable === true && value === null) return errors;

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return errors;
    }
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }

  if (typeof value === 'string') {
    const length = [...value].length;
    const { minLength, maxLength } = schema;
    if (minLength !== undefined && length < minLength) errors.push(`${path}: shorter than ${minLength}`);
    if (maxLength !== undefined && length > maxLength) errors.push(`${path}: longer than ${maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
    const { exclusiveMinimum: low, exclusiveMaximum: high } = schema;
    if (typeof low === 'number' && value <= low) errors.push(`${path}: not above ${low}`);
    if (typeof high === 'number' && value >= high) errors.push(`${path}: not below ${high}`);
  }
  if (Array.isArray(value)) {
    const { minItems, maxItems } = schema;
    if (minItems !== undefined && value.length < minItems) errors.push(`${path}: fewer than ${minItems} items`);
    if (maxItems !== undefined && value.length > maxItems) errors.push(`${path}: more than ${maxItems} items`);
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    prefix.forEach((s, i) => {
      if (i < value.length) errors.push(...validate(root, s, value[i], `${path}[${i}]`, depth + 1));
    });
    if (schema.items !== undefined) {
      for (let i = prefix.length; i < value.length; i += 1) {
        errors.push(...validate(root, schema.items, value[i], `${path}[${i}]`, depth + 1));
      }
    }
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      errors.push(`${path}: items are not unique`);
    }
  }
  if (typeOf(value) === 'object') {
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (!(key in value)) errors.push(`${path}: missing required \`${key}\``);
    }
    for (const [key, v] of Object.entries(value)) {
      if (key in properties) {
        errors.push(...validate(root, properties[key], v, `${path}.${key}`, depth + 1));
        continue;
      }
      const patterns = Object.entries(schema.patternProperties ?? {}).filter(([p]) => new RegExp(p, 'u').test(key));
      if (patterns.length > 0) {
        for (const [, s] of patterns) errors.push(...validate(root, s, v, `${path}.${key}`, depth + 1));
      } else if (schema.additionalProperties !== undefined) {
        errors.push(...validate(root, schema.additionalProperties, v, `${path}.${key}`, depth + 1));
      }
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
      errors.push(`${path}: fewer than ${schema.minProperties} properties`);
    }
  }

  for (const s of schema.allOf ?? []) errors.push(...validate(root, s, value, path, depth + 1));
  const fits = (s) => validate(root, s, value, path, depth + 1).length === 0;
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some(fits)) errors.push(`${path}: matches none of anyOf`);
  if (Array.isArray(schema.oneOf)) {
    const n = schema.oneOf.filter(fits).length;
    if (n !== 1) errors.push(`${path}: matches ${n} of oneOf, not exactly 1`);
  }
  if (schema.not !== undefined && fits(schema.not)) {
    errors.push(`${path}: matches a schema it must not`);
  }
  if (schema.if !== undefined) {
    const branch = fits(schema.if) ? schema.then : schema.else;
    if (branch !== undefined) errors.push(...validate(root, branch, value, path, depth + 1));
  }
  return errors;
}
