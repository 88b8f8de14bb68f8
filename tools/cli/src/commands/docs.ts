// `medshare docs`: writes docs/events.md, the event catalogue, from libs/contracts' topic registry and
// schemas, so the document cannot drift from the code (a unit test compares the two); and the Strimzi users of
// infra/k8s with the ACLs generated from the same registry (acls.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allTopics, cloudEventEnvelopeSchema, eventSchemas, jsonSchemaOf, type EventType, type JsonSchema, type TopicSpec } from '@medshare/contracts';
import type { CommandIo } from '../io';
import { repoRoot } from '../repo';
import { renderStrimziUsers, STRIMZI_USERS_FILE } from './acls';

export const EVENT_CATALOGUE = 'docs/events.md';

/** `docs` writes the generated files; `docs check` (run by `npm run lint`) exits 1 when a committed one differs. */
export async function docsCommand(args: string[], io: CommandIo): Promise<number> {
  const generated: [string, string][] = [
    [EVENT_CATALOGUE, renderEventCatalogue()],
    [STRIMZI_USERS_FILE, renderStrimziUsers()],
  ];
  if (args.length === 1 && args[0] === 'check') {
    const stale: string[] = [];
    for (const [path, wanted] of generated) if ((await readFile(join(repoRoot, path), 'utf8').catch(() => '')) !== wanted) stale.push(path);
    if (stale.length === 0) return 0;
    io.err(`${stale.join(', ')}: not what libs/contracts says: run npm run build && npx medshare docs`);
    return 1;
  }
  if (args.length > 0) {
    io.err(`usage: medshare docs [check]   (writes ${generated.map(([path]) => path).join(' and ')} from libs/contracts; check: compare only)`);
    return 2;
  }
  for (const [path, wanted] of generated) await writeFile(join(repoRoot, path), wanted);
  io.out(`wrote ${generated.map(([path]) => path).join(', ')}`);
  return 0;
}

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
}

// Patterns the contracts use for ids, named instead of printed.
const NAMED_PATTERNS: Record<string, string> = {
  '^[a-z0-9][a-z0-9-]{1,62}$': 'institution id',
  '^p-[a-z2-7]{16,64}$': 'patient pseudonym (p-…)',
  '^[0-9a-f]{64}$': 'SHA-256, hex',
  '^[A-Za-z0-9+/]*={0,2}$': 'base64',
};

function bounds(low: number | undefined, high: number | undefined, unit: string): string {
  const max = high !== undefined && high < Number.MAX_SAFE_INTEGER ? high : undefined;
  if (low !== undefined && max !== undefined) return low === max ? ` (${low}${unit})` : ` (${low}–${max}${unit})`;
  if (low !== undefined && low > 0) return ` (≥ ${low}${unit})`;
  if (max !== undefined) return ` (≤ ${max}${unit})`;
  return '';
}

function describeType(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum !== undefined) return `one of ${schema.enum.map((value) => `\`${String(value)}\``).join(', ')}`;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined) return variants.map(describeType).join(' or ');
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return 'instant (ISO 8601 with offset)';
      if (schema.pattern !== undefined) return NAMED_PATTERNS[schema.pattern] ?? `string \`${schema.pattern}\``;
      return `string${bounds(schema.minLength, schema.maxLength, ' chars')}`;
    case 'integer':
    case 'number':
      return `${schema.type}${bounds(schema.minimum, schema.maximum, '')}`;
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array${bounds(schema.minItems, schema.maxItems, ' items')} of ${schema.items === undefined ? 'anything' : describeType(schema.items)}`;
    case 'object':
      if (schema.properties !== undefined) return 'object';
      if (typeof schema.additionalProperties === 'object' && Object.keys(schema.additionalProperties).length > 0)
        return `map to ${describeType(schema.additionalProperties)}`;
      return 'object (checked by its own intake in libs/consent)';
    default:
      return 'any';
  }
}

/** One row per field, nested fields as `a.b` and array items as `a[].b`. */
function fieldRows(schema: JsonSchema, prefix = ''): FieldRow[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    const row = { path, type: describeType(field), required: required.has(name) };
    if (field.type === 'object' && field.properties !== undefined) return [row, ...fieldRows(field, `${path}.`)];
    if (field.type === 'array' && field.items?.properties !== undefined) return [row, ...fieldRows(field.items, `${path}[].`)];
    return [row];
  });
}

function table(rows: FieldRow[]): string[] {
  return [
    '| field | type | required |',
    '|---|---|---|',
    ...rows.map((row) => `| \`${row.path}\` | ${row.type.replaceAll('|', '\\|')} | ${row.required ? 'yes' : 'no'} |`),
  ];
}

function services(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

function retention(topic: TopicSpec): string {
  if (topic.retentionMs < 0) return 'forever';
  const days = topic.retentionMs / (24 * 60 * 60 * 1000);
  return Number.isInteger(days) ? `${days} day${days === 1 ? '' : 's'}` : `${topic.retentionMs} ms`;
}

const KEYS: Record<TopicSpec['key'], string> = {
  patient: 'patient pseudonym (the event subject)',
  institution: 'institution (`data.institution`, else the source)',
  correlation: 'correlation id',
  none: 'none',
};

function eventSection(type: EventType): string[] {
  const carriers = allTopics.filter((topic) => topic.eventTypes.includes(type)).map((topic) => `\`${topic.name}\``);
  const schema = jsonSchemaOf(eventSchemas[type]);
  const variants = schema.oneOf ?? schema.anyOf;
  const body =
    variants === undefined
      ? table(fieldRows(schema))
      : variants.flatMap((variant, index) => [...(index === 0 ? [] : ['']), `Variant ${index + 1}:`, '', ...table(fieldRows(variant))]);
  return [`### \`${type}\``, '', `On ${carriers.join(', ')}. Unknown fields are refused.`, '', ...body, ''];
}

export function renderEventCatalogue(): string {
  const lines = [
    '# Event catalogue',
    '',
    '<!-- Generated by `npx medshare docs` from libs/contracts (src/topics.ts, src/event-types.ts, src/events/).',
    '     Do not edit: tools/cli/src/commands/docs.spec.ts fails when this file and the code disagree. -->',
    '',
    'Every message on every medshare topic is one CloudEvents 1.0 event in structured JSON mode, validated',
    'against its schema by the producer before it is sent and by every consumer when it is read; a message',
    'that fails goes to `medshare.deadletter.v1` with the reason in `dlq.*` headers. The schemas live in',
    '`libs/contracts/src/events/`; a published version is frozen (a change is a new `.v2` type) and has a',
    'golden fixture under `test/fixtures/events/`. No field carries patient data in plaintext: patients',
    'appear as pseudonyms, records as ciphertext or ids. See [architecture](architecture.md) for who',
    'publishes and who reads each topic.',
    '',
    '## Envelope',
    '',
    ...table(fieldRows(jsonSchemaOf(cloudEventEnvelopeSchema))),
    '',
    '`ce_type`, `ce_id`, `ce_specversion` and `content-type` are also Kafka headers. `id` is a UUIDv7',
    '(time-ordered); an event without a cause starts its own correlation (`correlationid` = `causationid` = `id`).',
    '',
    '## Topics',
    '',
    '| topic | Kafka key | partitions | retention | on the ledger | event types | producers | consumers |',
    '|---|---|---|---|---|---|---|---|',
    ...allTopics.map(
      (topic) =>
        `| \`${topic.name}\` | ${KEYS[topic.key]} | ${topic.partitions} | ${retention(topic)} | ${topic.audited ? 'yes' : 'no'} | ${topic.eventTypes.length === 0 ? 'any message refused elsewhere, with its original bytes' : topic.eventTypes.map((type) => `\`${type}\``).join(', ')} | ${services(topic.producers)} | ${services(topic.consumers)} |`,
    ),
    '',
    '## Event types',
    '',
    ...(Object.keys(eventSchemas) as EventType[]).flatMap(eventSection),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
