export * from './api-access';
export * from './external-secret';
export * from './network-analysis';
export * from './peer';
export * from './secret-store';
export * from './service-graph';
export * from './shared-cluster';
export * from './system-namespace';
