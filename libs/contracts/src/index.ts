export * from './api.js';
export * from './engine-events.js';
export * from './issues.js';
export * from './json-schemas.js';
export * from './run-config.js';
export * from './version.js';
