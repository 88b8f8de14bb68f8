export * from './batch-consumer';
export * from './consumer-host';
export * from './dead-letter';
export * from './event-publisher';
export * from './kafka';
export * from './metrics';
export * from './request-reply';
export * from './topic-admin';
