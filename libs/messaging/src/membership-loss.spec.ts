import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { isMembershipLoss } from './batch-consumer';

// The broker's error as kafkajs decodes it (protocol/error.js), before its retrier wraps it.
function brokerError(type: string, code: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ type, code, retriable: false, message: `broker said ${type}` } as unknown as Error);
}

/** What kafkajs' retrier rejects with when it gives up (retry/index.js: the cause is kept; the typings omit it). */
function retrierBail(cause: Error): Error {
  return Object.assign(new KafkaJSNonRetriableError(cause), { cause });
}

describe('isMembershipLoss (when a crashed consumer joins its group again)', () => {
  it.each([
    // The crash seen on a cold three-node cluster under load: the retrier's bail keeps the broker error as the cause.
    ['the group forgot the member, wrapped by the retrier', retrierBail(brokerError('UNKNOWN_MEMBER_ID', 25))],
    ['a stale generation', retrierBail(brokerError('ILLEGAL_GENERATION', 22))],
    ['a rebalance the retrier gave up on', retrierBail(brokerError('REBALANCE_IN_PROGRESS', 27))],
    ['the bare broker error', brokerError('UNKNOWN_MEMBER_ID', 25)],
  ])('rejoins after %s', (_name, error) => {
    expect(isMembershipLoss(error)).toBe(true);
  });

  it.each([
    ['an authorisation refusal', retrierBail(brokerError('TOPIC_AUTHORIZATION_FAILED', 29))],
    ['a handler error', new Error('handler failed')],
    ['a message that only sounds alike', new KafkaJSNonRetriableError(new Error('The coordinator is not aware of this member'))],
    ['not an error', 'UNKNOWN_MEMBER_ID'],
  ])('stays down after %s (readiness reports it)', (_name, error) => {
    expect(isMembershipLoss(error)).toBe(false);
  });
});
