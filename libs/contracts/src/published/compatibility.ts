// Is a new schema of a published event version still the same contract? Every event the published schema
// accepts must still be accepted (stored events are read again for ever): no field removed or renamed, no
// new required field, no type, enum, bound or pattern narrowed. New optional fields and wider bounds pass.
import type { JsonSchema } from './json-schema';

/** One breaking difference: where (a JSON path into the event) and what. */
export interface BreakingChange {
  path: string;
  change: string;
}

/** What `current` refuses that `published` accepted; empty when `current` is a compatible widening. */
export function breakingChanges(published: JsonSchema, current: JsonSchema, path = '$'): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const breaking = (change: string, at = path) => changes.push({ path: at, change });

  const publishedVariants = published.oneOf ?? published.anyOf;
  const currentVariants = current.oneOf ?? current.anyOf;
  if (publishedVariants !== undefined || currentVariants !== undefined) {
    // Each published variant must still be accepted by some current variant as it was.
    for (const [index, variant] of (publishedVariants ?? [published]).entries()) {
      if (!(currentVariants ?? [current]).some((candidate) => breakingChanges(variant, candidate, path).length === 0)) {
        breaking(`variant ${index + 1} is no longer accepted as published`);
      }
    }
    return changes;
  }
  if (isAny(current)) return changes;
  if (isAny(published)) return [{ path, change: 'was any value, is now constrained' }];

  const publishedTypes = typesOf(published);
  const currentTypes = typesOf(current);
  if (publishedTypes !== undefined && currentTypes !== undefined) {
    const lost = publishedTypes.filter((type) => !currentTypes.includes(type) && !(type === 'integer' && currentTypes.includes('number')));
    if (lost.length > 0) breaking(`type narrowed: no longer ${lost.join(', ')}`);
  } else if (currentTypes !== undefined) {
    breaking(`type narrowed to ${currentTypes.join(', ')}`);
  }

  if (current.const !== undefined && JSON.stringify(current.const) !== JSON.stringify(published.const)) breaking('constant changed');
  if (current.enum !== undefined) {
    const accepted = published.enum ?? (published.const === undefined ? undefined : [published.const]);
    const lost =
      accepted === undefined ? ['(any value)'] : accepted.filter((value) => !current.enum?.some((kept) => JSON.stringify(kept) === JSON.stringify(value)));
    if (lost.length > 0) breaking(`enum narrowed: ${lost.map((value) => JSON.stringify(value)).join(', ')} no longer accepted`);
  }
  if (current.pattern !== undefined && current.pattern !== published.pattern) breaking('pattern changed');
  if (current.format !== undefined && current.format !== published.format) breaking('format changed');

  for (const [bound, wider] of LOWER_BOUNDS) if (narrowed(published[bound], current[bound], wider)) breaking(`${bound} raised`);
  for (const [bound, wider] of UPPER_BOUNDS) if (narrowed(published[bound], current[bound], wider)) breaking(`${bound} lowered`);

  if (published.items !== undefined || current.items !== undefined) changes.push(...breakingChanges(published.items ?? {}, current.items ?? {}, `${path}[]`));

  const publishedProperties = published.properties ?? {};
  const currentProperties = current.properties ?? {};
  for (const [name, schema] of Object.entries(publishedProperties)) {
    const kept = currentProperties[name];
    if (kept === undefined) {
      if (current.additionalProperties === false) breaking('field removed or renamed', `${path}.${name}`);
      else if (typeof current.additionalProperties === 'object') changes.push(...breakingChanges(schema, current.additionalProperties, `${path}.${name}`));
      continue;
    }
    changes.push(...breakingChanges(schema, kept, `${path}.${name}`));
  }
  const publishedRequired = new Set(published.required ?? []);
  for (const name of current.required ?? []) if (!publishedRequired.has(name)) breaking('new required field', `${path}.${name}`);
  if (
    current.additionalProperties === false &&
    published.additionalProperties !== false &&
    (published.type === 'object' || published.properties !== undefined)
  ) {
    breaking('unknown fields no longer accepted');
  } else if (typeof current.additionalProperties === 'object' && published.additionalProperties !== false) {
    changes.push(
      ...breakingChanges(typeof published.additionalProperties === 'object' ? published.additionalProperties : {}, current.additionalProperties, `${path}.*`),
    );
  }
  return changes;
}

const LOWER_BOUNDS = [
  ['minimum', 'lower'],
  ['exclusiveMinimum', 'lower'],
  ['minLength', 'lower'],
  ['minItems', 'lower'],
] as const;
const UPPER_BOUNDS = [
  ['maximum', 'higher'],
  ['exclusiveMaximum', 'higher'],
  ['maxLength', 'higher'],
  ['maxItems', 'higher'],
] as const;

/** A bound is narrowed when it appears where there was none, or moved inwards. */
function narrowed(published: number | undefined, current: number | undefined, wider: 'lower' | 'higher'): boolean {
  if (current === undefined) return false;
  if (published === undefined) return true;
  return wider === 'lower' ? current > published : current < published;
}

function typesOf(schema: JsonSchema): string[] | undefined {
  if (schema.type === undefined) return undefined;
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** `{}` (or a schema with only words in it) accepts anything. */
function isAny(schema: JsonSchema): boolean {
  return Object.keys(schema).every((key) => ['title', 'description', '$schema', '$id', 'default'].includes(key));
}
