// A published event version is frozen: the compatibility check refuses what stored events would no longer pass.
import { z } from 'zod';
import { cloudEventEnvelopeSchema } from '../envelope';
import { eventSchemas } from '../event-types';
import { breakingChanges } from './compatibility';
import { eventJsonSchema } from './event-schemas';
import { jsonSchemaOf } from './json-schema';

const published = z.strictObject({
  institution: z.string().regex(/^[a-z]+$/),
  count: z.number().int().min(0).max(100),
  kind: z.enum(['a', 'b']),
  tags: z.array(z.string().max(20)).max(10),
  note: z.string().max(200).optional(),
  nested: z.strictObject({ id: z.string().min(1) }),
  outcome: z.discriminatedUnion('status', [z.strictObject({ status: z.literal('ok') }), z.strictObject({ status: z.literal('failed'), reason: z.string() })]),
});
const { shape } = published;

function changesOf(current: z.ZodType): string[] {
  return breakingChanges(jsonSchemaOf(published), jsonSchemaOf(current)).map(({ path, change }) => `${path}: ${change}`);
}

describe('breakingChanges', () => {
  it.each<[string, z.ZodType, string[]]>([
    ['a field removed', published.omit({ note: true }), ['$.note: field removed or renamed']],
    ['a field renamed', published.omit({ count: true }).extend({ total: shape.count }), ['$.count: field removed or renamed', '$.total: new required field']],
    ['a new required field', published.extend({ region: z.string() }), ['$.region: new required field']],
    ['an optional field made required', published.extend({ note: z.string().max(200) }), ['$.note: new required field']],
    ['a type narrowed', published.extend({ count: z.string() }), ['$.count: type narrowed: no longer integer']],
    ['an enum value dropped', published.extend({ kind: z.enum(['a']) }), ['$.kind: enum narrowed: "b" no longer accepted']],
    ['a maximum lowered', published.extend({ count: z.number().int().min(0).max(50) }), ['$.count: maximum lowered']],
    ['a pattern changed', published.extend({ institution: z.string().regex(/^[a-z0-9]+$/) }), ['$.institution: pattern changed']],
    ['a nested field removed', published.extend({ nested: z.strictObject({}) }), ['$.nested.id: field removed or renamed']],
    ['an array item narrowed', published.extend({ tags: z.array(z.string().max(10)).max(10) }), ['$.tags[]: maxLength lowered']],
    [
      'a union variant dropped',
      published.extend({ outcome: z.strictObject({ status: z.literal('ok') }) }),
      ['$.outcome: variant 2 is no longer accepted as published'],
    ],
  ])('refuses %s', (_name, current, expected) => {
    expect(changesOf(current)).toEqual(expected);
  });

  it.each<[string, z.ZodType]>([
    ['the same schema', published],
    ['a new optional field', published.extend({ region: z.string().optional() })],
    ['a required field made optional', published.extend({ kind: z.enum(['a', 'b']).optional() })],
    ['an enum value added', published.extend({ kind: z.enum(['a', 'b', 'c']) })],
    ['a bound widened', published.extend({ count: z.number().min(-5).max(1000) })],
    ['a field deprecated (kept for stored events, no longer written)', published.extend({ note: shape.note.meta({ deprecated: true }) })],
    [
      'a union variant added',
      published.extend({ outcome: z.discriminatedUnion('status', [...shape.outcome.options, z.strictObject({ status: z.literal('late') })]) }),
    ],
  ])('accepts %s', (_name, current) => {
    expect(changesOf(current)).toEqual([]);
  });

  it('refuses a deliberately breaking change to a real published event (consent.recorded.v1 loses clientRef)', () => {
    const broken = eventSchemas['consent.recorded.v1'].omit({ clientRef: true }).extend({ purpose: z.string() });
    const current = jsonSchemaOf(cloudEventEnvelopeSchema.extend({ type: z.literal('consent.recorded.v1'), data: broken }));
    expect(breakingChanges(eventJsonSchema('consent.recorded.v1'), current).map(({ path }) => path)).toEqual(['$.data.clientRef', '$.data.purpose']);
  });
});
