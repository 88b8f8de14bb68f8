export * from './canonical';
export * from './envelope';
export * from './event-id';
export * from './event-types';
export * from './topics';
export * from './validate';
export * from './events/common';
export { sealedBox } from './events/ingest';
export { blockHeader, offsetRange } from './events/ledger';
