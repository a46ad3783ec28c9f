export * from './errors';
export * from './json-schema';
export * from './loader';
export * from './schema';
export * from './security-schema';
export * from './components-schema';
export { closest, editDistance, expects } from './schema-kit';
export * from '../../lib/core/tier';
