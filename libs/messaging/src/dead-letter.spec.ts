// A dead letter keeps the refused message as it was and says where it came from and why.
import { deadLetterMessage } from './dead-letter';

describe('deadLetterMessage', () => {
  it('keeps key, value and headers and adds the reason, origin and group', () => {
    const message = {
      key: Buffer.from('k'),
      value: Buffer.from('{oops'),
      headers: { ce_type: 'governance.alert.v1' },
      offset: '41',
      timestamp: '0',
      attributes: 0,
    };
    const dead = deadLetterMessage('group-a', { message, topic: 'medshare.governance.alerts.v1', partition: 2, reason: 'not JSON' });
    expect(dead.key).toBe(message.key);
    expect(dead.value).toBe(message.value);
    expect(dead.headers).toMatchObject({
      ce_type: 'governance.alert.v1',
      'dlq.reason': 'not JSON',
      'dlq.topic': 'medshare.governance.alerts.v1',
      'dlq.partition': '2',
      'dlq.offset': '41',
      'dlq.group': 'group-a',
    });
    expect(Number.isNaN(Date.parse(String(dead.headers?.['dlq.time'])))).toBe(false);
  });
});
