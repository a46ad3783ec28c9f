// Kubernetes 1.27 L1 constructs. `cdk8s import k8s` needs the internet; the
// same generated classes ship inside cdk8s-plus-27, so they are re-exported
// from there (one copy in node_modules, identical output). Only its generated
// `k8s` module is loaded, not the cdk8s-plus L2 library around it (faster startup).
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';

export = k8s;
