export * from './batch-consumer';
export * from './event-publisher';
export * from './kafka';
export * from './metrics';
export * from './request-reply';
export * from './topic-admin';
