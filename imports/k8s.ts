// Kubernetes 1.27 L1 constructs. `cdk8s import k8s` needs the internet; the
// same generated classes ship inside cdk8s-plus-27, so they are re-exported
// from there (one copy in node_modules, identical output). Only its generated
// `k8s` module is loaded, not the cdk8s-plus L2 library around it (faster startup).
// `export *` rather than `export =`: bundled, every module importing this one
// then shares one namespace object instead of copying ~2000 exports each.
export * from 'cdk8s-plus-27/lib/imports/k8s';
