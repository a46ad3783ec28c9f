/**
 * Every control of the Pod Security Standards (1.27), for containers, init
 * containers and ephemeral containers, at the restricted and baseline levels.
 */
import { checkPodSecurity } from '../../lib/validate/checks/pss';
import { podTemplateOf, toK8sObject } from '../../lib/validate/model';
import { Obj, securePodSpec, withChange } from './fixtures';
import { validate, violationsOf } from './helpers';

function deploymentWith(change: (spec: Obj, template: Obj) => void): Obj {
  const spec = securePodSpec('api', 'registry.example.com/api:1.0.0');
  const template: Obj = { metadata: { labels: { app: 'api' } }, spec };
  change(spec, template);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } }, template } };
}

function findings(o: Obj, level: 'restricted' | 'baseline' = 'restricted'): Array<{ control: string; path: string }> {
  const t = podTemplateOf(toK8sObject({ file: 'x.yaml', object: o })!)!;
  return checkPodSecurity(t, level).map((f) => ({ control: f.control, path: f.path }));
}

const c0 = 'spec.template.spec.containers[0]';

describe('restricted Pod Security Standard', () => {
  test('GIVEN the secure pod spec of the fixtures WHEN checked THEN no control is violated', () => {
    expect(findings(deploymentWith(() => undefined))).toEqual([]);
  });

  test.each<[string, (spec: Obj, template: Obj) => void, string, string]>([
    ['HostProcess on the pod', (s) => { s.securityContext.windowsOptions = { hostProcess: true }; }, 'HostProcess', 'spec.template.spec.securityContext.windowsOptions.hostProcess'],
    ['hostNetwork', (s) => { s.hostNetwork = true; }, 'Host Namespaces', 'spec.template.spec.hostNetwork'],
    ['hostPID', (s) => { s.hostPID = true; }, 'Host Namespaces', 'spec.template.spec.hostPID'],
    ['hostIPC', (s) => { s.hostIPC = true; }, 'Host Namespaces', 'spec.template.spec.hostIPC'],
    ['a privileged container', (s) => { s.containers[0].securityContext.privileged = true; }, 'Privileged Containers', `${c0}.securityContext.privileged`],
    ['an added capability other than NET_BIND_SERVICE', (s) => { s.containers[0].securityContext.capabilities.add = ['NET_RAW']; }, 'Capabilities', `${c0}.securityContext.capabilities.add[0]`],
    ['capabilities not dropping ALL', (s) => { s.containers[0].securityContext.capabilities.drop = ['NET_RAW']; }, 'Capabilities', `${c0}.securityContext.capabilities.drop`],
    ['a hostPath volume', (s) => { s.volumes.push({ name: 'h', hostPath: { path: '/' } }); }, 'HostPath Volumes', 'spec.template.spec.volumes[1].hostPath'],
    ['a nfs volume', (s) => { s.volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/x' } }); }, 'Volume Types', 'spec.template.spec.volumes[1].nfs'],
    ['a hostPort', (s) => { s.containers[0].ports[0].hostPort = 8080; }, 'Host Ports', `${c0}.ports[0].hostPort`],
    ['an unconfined AppArmor annotation', (_s, t) => { t.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/api': 'unconfined' }; }, 'AppArmor', 'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/api"]'],
    ['an unconfined appArmorProfile field', (s) => { s.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' }; }, 'AppArmor', `${c0}.securityContext.appArmorProfile.type`],
    ['a custom SELinux type', (s) => { s.securityContext.seLinuxOptions = { type: 'spc_t' }; }, 'SELinux', 'spec.template.spec.securityContext.seLinuxOptions.type'],
    ['a SELinux user', (s) => { s.containers[0].securityContext.seLinuxOptions = { user: 'root' }; }, 'SELinux', `${c0}.securityContext.seLinuxOptions.user`],
    ['an unmasked /proc', (s) => { s.containers[0].securityContext.procMount = 'Unmasked'; }, '/proc Mount Type', `${c0}.securityContext.procMount`],
    ['seccomp Unconfined on a container', (s) => { s.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }; }, 'Seccomp', `${c0}.securityContext.seccompProfile.type`],
    ['no seccomp profile anywhere', (s) => { delete s.securityContext.seccompProfile; }, 'Seccomp', `${c0}.securityContext.seccompProfile.type`],
    ['an unsafe sysctl', (s) => { s.securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]; }, 'Sysctls', 'spec.template.spec.securityContext.sysctls[0].name'],
    ['allowPrivilegeEscalation unset', (s) => { delete s.containers[0].securityContext.allowPrivilegeEscalation; }, 'Privilege Escalation', `${c0}.securityContext.allowPrivilegeEscalation`],
    ['runAsNonRoot missing on pod and container', (s) => { delete s.securityContext.runAsNonRoot; }, 'Running as Non-root', `${c0}.securityContext.runAsNonRoot`],
    ['runAsNonRoot false on the container', (s) => { s.containers[0].securityContext.runAsNonRoot = false; }, 'Running as Non-root', `${c0}.securityContext.runAsNonRoot`],
    ['runAsUser 0 on the pod', (s) => { s.securityContext.runAsUser = 0; }, 'Running as Non-root user', 'spec.template.spec.securityContext.runAsUser'],
    ['runAsUser 0 on the container', (s) => { s.containers[0].securityContext.runAsUser = 0; }, 'Running as Non-root user', `${c0}.securityContext.runAsUser`],
  ])('GIVEN %s WHEN checked at restricted THEN control %s is reported at the field', (_what, change, control, path) => {
    expect(findings(deploymentWith(change))).toContainEqual({ control, path });
  });

  test('GIVEN an insecure init container WHEN checked THEN it is reported like a container', () => {
    const o = deploymentWith((s) => { s.initContainers = [{ name: 'init', image: 'busybox:1.36.1', securityContext: { privileged: true } }]; });
    const f = findings(o);
    expect(f).toContainEqual({ control: 'Privileged Containers', path: 'spec.template.spec.initContainers[0].securityContext.privileged' });
    expect(f).toContainEqual({ control: 'Privilege Escalation', path: 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation' });
    expect(f).toContainEqual({ control: 'Capabilities', path: 'spec.template.spec.initContainers[0].securityContext.capabilities.drop' });
  });

  test('GIVEN an ephemeral container without a security context WHEN checked THEN it is reported too', () => {
    const o = deploymentWith((s) => { s.ephemeralContainers = [{ name: 'debug', image: 'busybox:1.36.1' }]; });
    expect(findings(o).map((f) => f.path)).toContain('spec.template.spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation');
  });

  test('GIVEN a CronJob WHEN checked THEN its job pod template is checked at its own path', () => {
    const cron = withChange('CronJob', 'cleanup', (o) => { o.spec.jobTemplate.spec.template.spec.hostPID = true; });
    expect(violationsOf(validate(cron), 'policy/pss-restricted').map((v) => v.path)).toEqual(['spec.jobTemplate.spec.template.spec.hostPID']);
  });

  test('GIVEN NET_BIND_SERVICE added and seccomp Localhost WHEN checked THEN restricted allows it', () => {
    const o = deploymentWith((s) => {
      s.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE'];
      s.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/api.json' };
    });
    expect(findings(o)).toEqual([]);
  });
});

describe('baseline Pod Security Standard', () => {
  test('GIVEN a root container without dropped capabilities WHEN checked at baseline THEN it passes (restricted-only controls)', () => {
    const o = deploymentWith((s) => {
      s.securityContext = {};
      s.containers[0].securityContext = { capabilities: { add: ['CHOWN', 'SETUID'] } };
      s.volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/x' } });
    });
    expect(findings(o, 'baseline')).toEqual([]);
  });

  test('GIVEN a capability outside the baseline set WHEN checked at baseline THEN it is reported', () => {
    const o = deploymentWith((s) => { s.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; });
    expect(findings(o, 'baseline')).toEqual([{ control: 'Capabilities', path: `${c0}.securityContext.capabilities.add[0]` }]);
  });
});

describe('namespace levels', () => {
  test('GIVEN a privileged namespace with a reason WHEN a privileged pod runs there THEN no PSS violation', () => {
    const docs = withChange('Namespace', 'shop', (o) => {
      o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
      o.metadata.annotations = { 'validate.platform.dev/pod-security-reason': 'node agents' };
    });
    const dep = docs.find((d) => (d.object as Obj).kind === 'Deployment')!.object as Obj;
    dep.spec.template.spec.containers[0].securityContext.privileged = true;
    const report = validate(docs);
    expect(violationsOf(report, 'policy/pss-restricted')).toEqual([]);
    expect(violationsOf(report, 'policy/pss-baseline')).toEqual([]);
  });

  test('GIVEN a namespace not rendered but declared baseline in the options WHEN validated THEN baseline applies', () => {
    const docs = withChange('Deployment', 'api', (o) => { delete o.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation; })
      .filter((d) => (d.object as Obj).kind !== 'Namespace');
    expect(violationsOf(validate(docs), 'policy/pss-restricted')).toHaveLength(1);
    expect(violationsOf(validate(docs, { namespacePolicies: { shop: { level: 'baseline', reason: 'migration' } } }), 'policy/pss-restricted')).toEqual([]);
  });

  test('GIVEN a relaxed namespace policy option without a reason WHEN validating THEN the call is rejected as a usage error', () => {
    expect(() => validate([], { namespacePolicies: { shop: { level: 'privileged' } } })).toThrow(/needs a reason/);
  });
});
