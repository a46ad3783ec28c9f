export * from './output';
export * from './pipeline';
export * from './render';
export * from './serialize';
