// `medshare acls apply|list`: the ACLs generated from the topic registry (libs/contracts kafka-acls), applied to the
// broker as the operator, or printed for review.
import { aclKey, kafkaAcls } from '@medshare/contracts';
import { applyAcls } from '@medshare/messaging';
import type { CommandIo } from '../io';
import { cliKafka } from '../kafka';

export async function aclsCommand(args: string[], io: CommandIo): Promise<number> {
  const action = args[0];
  if ((action !== 'apply' && action !== 'list') || args.length > 1) {
    io.err('usage: medshare acls apply|list');
    return 2;
  }
  if (action === 'list') {
    for (const acl of kafkaAcls()) io.out(aclKey(acl));
    return 0;
  }
  const { created, deleted } = await applyAcls(cliKafka(), kafkaAcls());
  io.out(`acls: ${created.length} created, ${deleted} deleted, ${kafkaAcls().length} in force`);
  return 0;
}
