// Makes the broker's ACLs for medshare's principals exactly the generated ones (libs/contracts kafka-acls): adds the
// missing, deletes the principals' others. Run as a super user (the operator); ACLs of other principals are left alone.
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { aclKey, type AclOperation, type AclResourceType, type KafkaAcl } from '@medshare/contracts';

const resourceTypes: Record<AclResourceType, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
};
const operations: Record<AclOperation, AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
};

function toEntry(acl: KafkaAcl): AclEntry {
  return {
    principal: `User:${acl.principal}`,
    host: '*',
    resourceType: resourceTypes[acl.resourceType],
    resourceName: acl.resourceName,
    resourcePatternType: acl.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    operation: operations[acl.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const entryKey = (entry: AclEntry) =>
  [entry.principal, entry.host, entry.resourceType, entry.resourceName, entry.resourcePatternType, entry.operation, entry.permissionType].join('|');

export interface AclChanges {
  created: string[];
  deleted: number;
}

/** Every ACL on the broker for `principals` (user names), as kafkajs entries. */
async function currentAcls(kafka: Kafka, principals: readonly string[]): Promise<AclEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const users = new Set(principals.map((principal) => `User:${principal}`));
    return resources.flatMap(({ acls, ...resource }) => acls.filter((acl) => users.has(acl.principal)).map((acl) => ({ ...resource, ...acl })));
  } finally {
    await admin.disconnect();
  }
}

export async function applyAcls(kafka: Kafka, wanted: readonly KafkaAcl[]): Promise<AclChanges> {
  const principals = [...new Set(wanted.map((acl) => acl.principal))];
  const existing = await currentAcls(kafka, principals);
  const have = new Set(existing.map(entryKey));
  const want = new Set(wanted.map((acl) => entryKey(toEntry(acl))));
  const missing = wanted.filter((acl) => !have.has(entryKey(toEntry(acl))));
  const extra = existing.filter((entry) => !want.has(entryKey(entry)));
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (missing.length > 0) await admin.createAcls({ acl: missing.map(toEntry) });
    if (extra.length > 0) await admin.deleteAcls({ filters: extra });
  } finally {
    await admin.disconnect();
  }
  return { created: missing.map(aclKey), deleted: extra.length };
}
