// Kubernetes 1.27 L1 constructs. `cdk8s import k8s` needs the internet; the
// same generated classes ship inside cdk8s-plus-27, so they are re-exported
// from there (one copy in node_modules, identical output).
import { k8s } from 'cdk8s-plus-27';

export = k8s;
