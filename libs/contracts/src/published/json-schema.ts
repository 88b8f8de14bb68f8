// JSON Schema as zod 4's toJSONSchema emits it, and the one way this library asks for it.
import { z } from 'zod';

/** The parts of a JSON Schema the published contracts use (draft 2020-12; draft-07 inside AsyncAPI). */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

/**
 * The JSON Schema of a zod schema. `io: 'input'` describes what a caller may send (defaults and coercions
 * not yet applied), `'output'` what the code produces; whatever zod cannot express becomes `{}` (any).
 */
export function jsonSchemaOf(
  schema: z.ZodType,
  { target = 'draft-2020-12', io = 'output' }: { target?: JsonSchemaTarget; io?: 'input' | 'output' } = {},
): JsonSchema {
  return z.toJSONSchema(schema, { target, io, unrepresentable: 'any' }) as JsonSchema;
}
