export * from './errors';
export * from './json-schema';
export * from './loader';
export * from './schema';
export * from './security-schema';
export { closest, editDistance, expects } from './schema-kit';
