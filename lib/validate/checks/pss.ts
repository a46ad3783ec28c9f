/**
 * Pod Security Standards, version 1.27: every control of the baseline and the
 * restricted profile, applied to pod templates (containers, init containers
 * and ephemeral containers alike).
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { Json, PodTemplate, arr, containersOf, rec, str, subPath } from '../model';

export interface PssFinding {
  /** the control of the standard, e.g. "Privileged Containers" */
  readonly control: string;
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

export function checkPodSecurity(t: PodTemplate, level: 'baseline' | 'restricted'): PssFinding[] {
  const out: PssFinding[] = [];
  const add = (control: string, path: string, message: string, value?: unknown): void => {
    out.push({ control, path, message, ...(value === undefined ? {} : { value }) });
  };
  const spec = t.spec;
  const specPath = subPath(t.path, 'spec');
  const podSc = rec(spec.securityContext);
  const podScPath = `${specPath}.securityContext`;
  const containers = containersOf(t);

  // --- baseline ---
  if (rec(podSc.windowsOptions).hostProcess === true) {
    add('HostProcess', `${podScPath}.windowsOptions.hostProcess`, 'Windows HostProcess pods are not allowed; unset it or set false', true);
  }
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[f] === true) add('Host Namespaces', `${specPath}.${f}`, `${f} shares the node's namespace; unset it or set false`, true);
  }
  arr(spec.volumes).forEach((v, i) => {
    const vol = rec(v);
    if (vol.hostPath !== undefined) add('HostPath Volumes', `${specPath}.volumes[${i}].hostPath`, `volume ${JSON.stringify(str(vol.name) ?? i)} mounts a host path; use emptyDir, a PVC, a ConfigMap or a Secret`, vol.hostPath);
  });
  for (const [k, v] of Object.entries(t.annotations)) {
    if (k.startsWith(APPARMOR_PREFIX) && v !== 'runtime/default' && !v.startsWith('localhost/')) {
      add('AppArmor', subPath(t.path, `metadata.annotations[${JSON.stringify(k)}]`), `AppArmor profile ${JSON.stringify(v)} is not allowed; use "runtime/default" or "localhost/<profile>"`, v);
    }
  }
  checkSeLinux(rec(podSc.seLinuxOptions), `${podScPath}.seLinuxOptions`, add);
  checkAppArmorField(rec(podSc.appArmorProfile), `${podScPath}.appArmorProfile`, add);
  const podSeccomp = str(rec(podSc.seccompProfile).type);
  if (podSeccomp === 'Unconfined') add('Seccomp', `${podScPath}.seccompProfile.type`, 'seccomp profile Unconfined is not allowed; use RuntimeDefault or Localhost', podSeccomp);
  arr(podSc.sysctls).forEach((s, i) => {
    const name = str(rec(s).name) ?? '';
    if (!SAFE_SYSCTLS.has(name)) add('Sysctls', `${podScPath}.sysctls[${i}].name`, `sysctl ${JSON.stringify(name)} is not in the safe set (${[...SAFE_SYSCTLS].join(', ')})`, name);
  });

  for (const c of containers) {
    const sc = rec(c.c.securityContext);
    const scPath = `${c.path}.securityContext`;
    if (rec(sc.windowsOptions).hostProcess === true) add('HostProcess', `${scPath}.windowsOptions.hostProcess`, 'Windows HostProcess containers are not allowed; unset it or set false', true);
    if (sc.privileged === true) add('Privileged Containers', `${scPath}.privileged`, `container ${JSON.stringify(c.name)} is privileged; set privileged: false or leave it unset`, true);
    arr(rec(sc.capabilities).add).forEach((cap, i) => {
      if (typeof cap === 'string' && !BASELINE_CAPABILITIES.has(cap) && level === 'baseline') {
        add('Capabilities', `${scPath}.capabilities.add[${i}]`, `capability ${cap} is not in the baseline set (${[...BASELINE_CAPABILITIES].join(', ')})`, cap);
      }
    });
    arr(c.c.ports).forEach((p, i) => {
      const hp = rec(p).hostPort;
      if (hp !== undefined && hp !== 0) add('Host Ports', `${c.path}.ports[${i}].hostPort`, `hostPort ${String(hp)} binds a node port; remove it and expose the port through a Service`, hp);
    });
    checkSeLinux(rec(sc.seLinuxOptions), `${scPath}.seLinuxOptions`, add);
    checkAppArmorField(rec(sc.appArmorProfile), `${scPath}.appArmorProfile`, add);
    const pm = str(sc.procMount);
    if (pm !== undefined && pm !== 'Default') add('/proc Mount Type', `${scPath}.procMount`, `procMount ${JSON.stringify(pm)} unmasks /proc; use "Default" or leave it unset`, pm);
    const cSeccomp = str(rec(sc.seccompProfile).type);
    if (cSeccomp === 'Unconfined') add('Seccomp', `${scPath}.seccompProfile.type`, 'seccomp profile Unconfined is not allowed; use RuntimeDefault or Localhost', cSeccomp);
  }
  if (level === 'baseline') return out;

  // --- restricted ---
  arr(spec.volumes).forEach((v, i) => {
    const vol = rec(v);
    const types = Object.keys(vol).filter((k) => k !== 'name');
    for (const type of types) {
      if (!RESTRICTED_VOLUME_TYPES.has(type) && type !== 'hostPath') {
        add('Volume Types', `${specPath}.volumes[${i}].${type}`, `volume type ${type} is not allowed; allowed: ${[...RESTRICTED_VOLUME_TYPES].join(', ')}`, type);
      }
    }
  });
  const podNonRoot = podSc.runAsNonRoot;
  if (podNonRoot === false) add('Running as Non-root', `${podScPath}.runAsNonRoot`, 'runAsNonRoot must not be false', false);
  if (podSc.runAsUser === 0) add('Running as Non-root user', `${podScPath}.runAsUser`, 'runAsUser 0 runs as root; use a non-zero UID', 0);
  const podSeccompOk = podSeccomp === 'RuntimeDefault' || podSeccomp === 'Localhost';

  for (const c of containers) {
    const sc = rec(c.c.securityContext);
    const scPath = `${c.path}.securityContext`;
    if (sc.allowPrivilegeEscalation !== false) {
      add('Privilege Escalation', `${scPath}.allowPrivilegeEscalation`, `container ${JSON.stringify(c.name)} must set allowPrivilegeEscalation: false (got ${JSON.stringify(sc.allowPrivilegeEscalation ?? null)})`, sc.allowPrivilegeEscalation ?? null);
    }
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && podNonRoot !== true)) {
      add('Running as Non-root', `${scPath}.runAsNonRoot`, `container ${JSON.stringify(c.name)} must run with runAsNonRoot: true (set it on the pod or the container)`, sc.runAsNonRoot ?? null);
    }
    if (sc.runAsUser === 0) add('Running as Non-root user', `${scPath}.runAsUser`, `container ${JSON.stringify(c.name)} runs as UID 0; use a non-zero UID`, 0);
    const cSeccomp = str(rec(sc.seccompProfile).type);
    if (cSeccomp === undefined ? !podSeccompOk : cSeccomp !== 'RuntimeDefault' && cSeccomp !== 'Localhost' && cSeccomp !== 'Unconfined') {
      add('Seccomp', `${scPath}.seccompProfile.type`, `container ${JSON.stringify(c.name)} needs seccompProfile.type RuntimeDefault or Localhost (on the pod or the container)`, cSeccomp ?? null);
    }
    const caps = rec(sc.capabilities);
    const drop = arr(caps.drop);
    if (!drop.includes('ALL')) {
      add('Capabilities', `${scPath}.capabilities.drop`, `container ${JSON.stringify(c.name)} must drop ALL capabilities (got ${JSON.stringify(caps.drop ?? null)})`, caps.drop ?? null);
    }
    arr(caps.add).forEach((cap, i) => {
      if (cap !== 'NET_BIND_SERVICE') add('Capabilities', `${scPath}.capabilities.add[${i}]`, `capability ${String(cap)} may not be added; only NET_BIND_SERVICE is allowed`, cap);
    });
  }
  return out;
}

type Add = (control: string, path: string, message: string, value?: unknown) => void;

function checkSeLinux(opts: Json, path: string, add: Add): void {
  const type = str(opts.type);
  if (type !== undefined && !SELINUX_TYPES.has(type)) add('SELinux', `${path}.type`, `SELinux type ${JSON.stringify(type)} is not allowed; use container_t, container_init_t or container_kvm_t`, type);
  for (const f of ['user', 'role']) {
    const v = str(opts[f]);
    if (v !== undefined && v !== '') add('SELinux', `${path}.${f}`, `SELinux ${f} may not be set`, v);
  }
}

function checkAppArmorField(profile: Json, path: string, add: Add): void {
  const type = str(profile.type);
  if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost') {
    add('AppArmor', `${path}.type`, `AppArmor profile type ${JSON.stringify(type)} is not allowed; use RuntimeDefault or Localhost`, type);
  }
}
