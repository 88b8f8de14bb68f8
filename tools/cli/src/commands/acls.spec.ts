// The Strimzi users of infra/k8s carry exactly the ACLs generated from the topic registry (`npx medshare docs` writes
// them with docs/events.md; `docs check` in lint and docs.spec.ts compare the committed file).
import { parseAllDocuments } from 'yaml';
import { aclKey, kafkaAcls, kafkaPrincipals } from '@medshare/contracts';
import { renderStrimziUsers, STRIMZI_USERS_FILE } from './acls';

interface StrimziAcl {
  resource: { type: string; name: string; patternType: string };
  operations: string[];
}

describe(STRIMZI_USERS_FILE, () => {
  it('holds, read as YAML, every generated ACL of every principal and nothing else', () => {
    const users = parseAllDocuments(renderStrimziUsers()).map(
      (document) => document.toJSON() as { metadata: { name: string }; spec: { authorization?: { acls: StrimziAcl[] } } },
    );
    expect(users.map((user) => user.metadata.name)).toEqual([kafkaPrincipals.operator, ...kafkaPrincipals.services, ...kafkaPrincipals.analysts]);
    const types: Record<string, string> = { topic: 'topic', group: 'group', transactionalId: 'transactional-id' };
    const read = users.flatMap((user) =>
      (user.spec.authorization?.acls ?? []).flatMap(({ resource, operations }) =>
        operations.map((operation) =>
          aclKey({
            principal: user.metadata.name,
            resourceType: types[resource.type] as 'topic',
            resourceName: resource.name,
            pattern: resource.patternType === 'prefix' ? 'prefixed' : 'literal',
            operation: operation.toLowerCase() as 'read',
          }),
        ),
      ),
    );
    expect(read.sort()).toEqual(kafkaAcls().map(aclKey).sort());
  });
});
