export * from './bearer-tokens';
export * from './bootstrap';
export * from './config';
export * from './database';
export * from './health';
export * from './logger';
export * from './platform.module';
export * from './platform-keys';
