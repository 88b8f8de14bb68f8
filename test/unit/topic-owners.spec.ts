// The registry's producers and consumers are what the services' code does: each service's sources (tests
// aside) name exactly the topics it writes or reads, and every topic it publishes to lists it as producer.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { auditedTopics, topics, type ServiceName } from '@medshare/contracts';

const APPS = resolve(__dirname, '../../apps');
const SERVICES: readonly ServiceName[] = ['ingestion', 'encryption', 'access-control', 'governance', 'ledger'];
type TopicKey = keyof typeof topics;

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : sources(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|testing)\.ts$/.test(entry.name) ? [readFileSync(path, 'utf8')] : [];
  });
}

const code = new Map(SERVICES.map((service) => [service, sources(join(APPS, service, 'src')).join('\n')]));
const keyOf = new Map(Object.entries(topics).map(([key, spec]) => [spec, key as TopicKey]));

/** Topics a service names: `topics.x`, and every audited topic where it reads `auditedTopics` (the ledger). */
function named(service: ServiceName): TopicKey[] {
  const source = code.get(service) ?? '';
  const direct = [...source.matchAll(/\btopics\.(\w+)/g)].map((match) => match[1]).filter((key): key is TopicKey => key in topics);
  const audited = /\bauditedTopics\b/.test(source) ? auditedTopics.map((spec) => keyOf.get(spec as (typeof topics)[TopicKey])).filter((key) => key !== undefined) : [];
  return [...new Set([...direct, ...audited])].sort();
}

/** Topics a service writes with `publish…(topics.x` or `emit(topics.x`. */
function published(service: ServiceName): TopicKey[] {
  return [...(code.get(service) ?? '').matchAll(/\b(?:publish\w*|emit)\(topics\.(\w+)/g)].map((match) => match[1] as TopicKey);
}

describe('topic registry: producers and consumers', () => {
  it.each(SERVICES)('%s names exactly the topics it produces or consumes', (service) => {
    const roles = (key: TopicKey): readonly ServiceName[] => [...topics[key].producers, ...topics[key].consumers];
    const registered = (Object.keys(topics) as TopicKey[]).filter((key) => roles(key).includes(service)).sort();
    expect(named(service)).toEqual(registered);
  });

  it.each(SERVICES)('%s is a producer of every topic it publishes to', (service) => {
    const publishedTo = published(service);
    expect(publishedTo.length).toBeGreaterThan(0);
    for (const key of publishedTo) expect({ key, producers: topics[key].producers }).toEqual({ key, producers: expect.arrayContaining([service]) });
  });

});
