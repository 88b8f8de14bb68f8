// The registry's producers and consumers are what the services' code does: each service's sources (tests
// aside) name exactly the topics it writes or reads, and every topic it publishes to lists it as producer. The Kafka
// ACLs generated from the registry are diffed against the same code.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  aclKey,
  analystTopics,
  auditedTopics,
  deadLetterTopic,
  healthTopic,
  INSTITUTION_AUDIT_PREFIX,
  institutionAnalyst,
  institutionAnalystAcls,
  institutionAuditTopic,
  kafkaAcls,
  kafkaPrincipals,
  serviceClientIds,
  topics,
  type ServiceName,
} from '@medshare/contracts';

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
  const audited = /\bauditedTopics\b/.test(source)
    ? auditedTopics.map((spec) => keyOf.get(spec as (typeof topics)[TopicKey])).filter((key) => key !== undefined)
    : [];
  return [...new Set([...direct, ...audited])].sort();
}

/** Topics a service writes with `publish…(topics.x` or `emit(topics.x`. */
function published(service: ServiceName): TopicKey[] {
  return [...(code.get(service) ?? '').matchAll(/\b(?:publish\w*|emit)\(\s*topics\.(\w+)/g)].map((match) => match[1] as TopicKey);
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

describe('Kafka ACLs generated from the registry, against the code', () => {
  const acls = kafkaAcls();
  const topicAcls = (principal: string, operation: 'read' | 'write') =>
    acls
      .filter((acl) => acl.principal === principal && acl.resourceType === 'topic' && acl.operation === operation)
      .map((acl) => acl.resourceName)
      .sort();
  const names = (keys: readonly TopicKey[]) => keys.map((key) => topics[key].name);

  /** Topics a service writes: publish/emit/send(topics.x), a RequestReplyClient's requests, a request server's replies (serveRequests or ConsumerHost.serve). */
  function written(service: ServiceName): TopicKey[] {
    const source = code.get(service) ?? '';
    const sends = [...source.matchAll(/\b(?:publish\w*|emit|send)\(\s*topics\.(\w+)/g)];
    const asks = [...source.matchAll(/new RequestReplyClient\([^)]*requests:\s*topics\.(\w+)/g)];
    const answers = [...source.matchAll(/(?:serveRequests|\.serve)\([\s\S]*?replies:\s*topics\.(\w+)/g)];
    // Governance's audit facts name the platform topic they go to (apps/governance/src/audit).
    const facts = [...source.matchAll(/\bpublishTo:\s*topics\.(\w+)/g)];
    return [...sends, ...asks, ...answers, ...facts].map((match) => match[1] as TopicKey);
  }

  // Every service writes dead letters (BatchConsumer) and heartbeats (service-kit) through the libraries.
  // Prefixed topic rules are the per-institution audit topics, checked below.
  const literal = (names: string[]) => names.filter((name) => name !== INSTITUTION_AUDIT_PREFIX);

  it.each(SERVICES)('%s may write exactly where its code writes (and the dead-letter and health topics)', (service) => {
    expect(literal(topicAcls(service, 'write'))).toEqual([...new Set([...names(written(service)), deadLetterTopic.name, healthTopic.name])].sort());
  });

  it('only governance, whose code copies audit facts to institution topics, may create and write them', () => {
    const prefixed = acls.filter((acl) => acl.resourceName === INSTITUTION_AUDIT_PREFIX);
    expect(prefixed.map(aclKey)).toEqual(['governance create topic medshare.audit.institution.*', 'governance write topic medshare.audit.institution.*']);
    for (const service of SERVICES)
      expect({ service, copies: /\binstitutionAuditTopic\(/.test(code.get(service) ?? '') }).toEqual({ service, copies: service === 'governance' });
  });

  it("an institution's analysts read their institution's audit topic and nothing else", () => {
    const granted = institutionAnalystAcls('hosp-a');
    expect(granted.map(aclKey)).toEqual(['analyst-hosp-a read group analyst-hosp-a.*', 'analyst-hosp-a read topic medshare.audit.institution.hosp-a.v1']);
    expect(granted.some((acl) => acl.resourceName === institutionAuditTopic('hosp-ab').name)).toBe(false);
    expect(() => institutionAnalyst('platform')).toThrow(/analyst-platform/);
  });

  it.each(SERVICES)('%s may read or write exactly the topics its code names', (service) => {
    const allowed = new Set(literal([...topicAcls(service, 'read'), ...topicAcls(service, 'write')]));
    allowed.delete(deadLetterTopic.name);
    // Governance also reads the health topic (src/health/outage-monitor.ts names healthTopic).
    allowed.delete(healthTopic.name);
    expect([...allowed].sort()).toEqual(names(named(service)).sort());
  });

  it.each(SERVICES)('%s has a group prefix for its KAFKA_GROUP_ID default and its own name, and transactional ids only if it uses them', (service) => {
    const config = readFileSync(join(APPS, service, 'src/config.ts'), 'utf8');
    const defaultGroup = config.match(/KAFKA_GROUP_ID:[\s\S]*?\.default\(\s*'([^']+)'\s*\)/)?.[1];
    const prefixes = (type: string) =>
      acls.filter((acl) => acl.principal === service && acl.resourceType === type && acl.pattern === 'prefixed').map((acl) => acl.resourceName);
    expect(defaultGroup).toBeDefined();
    expect(prefixes('group').some((prefix) => defaultGroup?.startsWith(prefix))).toBe(true);
    // Request/reply askers read replies in `<service>-replies-<uuid>` (libs/messaging request-reply).
    expect(prefixes('group')).toContain(service);
    expect(prefixes('transactional-id')).toEqual(/\btransactionalId:/.test(code.get(service) ?? '') ? [...serviceClientIds[service].transactionalIds] : []);
  });

  it('analysts read only analyst topics: never sealed payloads, ciphertext, keys or decrypt traffic', () => {
    const forbidden: string[] = [topics.ingestSealed, topics.recordsEncrypted, topics.decryptRequests, topics.decryptReplies, topics.keys].map(
      (spec) => spec.name,
    );
    for (const analyst of kafkaPrincipals.analysts) {
      expect(topicAcls(analyst, 'write')).toEqual([]);
      expect(topicAcls(analyst, 'read')).toEqual(analystTopics.map((spec) => spec.name).sort());
      expect(topicAcls(analyst, 'read').filter((name) => forbidden.includes(name))).toEqual([]);
    }
  });

  it('infra/kafka/kafka.sh creates a SCRAM user for every principal the ACLs name', () => {
    const script = readFileSync(resolve(__dirname, '../../infra/kafka/kafka.sh'), 'utf8');
    const users = script
      .match(/PRINCIPALS="\$\{KAFKA_PRINCIPALS:-([^}]+)\}"/)?.[1]
      .split(' ')
      .sort();
    expect(users).toEqual([kafkaPrincipals.operator, ...kafkaPrincipals.services, ...kafkaPrincipals.analysts].sort());
    expect(new Set(acls.map((acl) => acl.principal))).toEqual(new Set([...kafkaPrincipals.services, ...kafkaPrincipals.analysts]));
  });
});
