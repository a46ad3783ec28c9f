import { credentialProblem } from '../../lib/validate/checks/credentials';
import { allowedDisruptions, parseImage } from '../../lib/validate/checks/policy';
import { environmentFromPath } from '../../lib/validate';
import { Obj, toDocs, validObjects, withChange } from './fixtures';
import { summary, validate, violationsOf } from './helpers';

const apiContainer = (o: Obj): Obj => o.spec.template.spec.containers[0];

describe('policy/image-tag', () => {
  test.each([
    ['nginx', {}],
    ['nginx:1.25.3', { tag: '1.25.3' }],
    ['registry.example.com:5000/team/app:v2.0.1', { tag: 'v2.0.1' }],
    ['registry.example.com:5000/team/app', {}],
    [`app@sha256:${'b'.repeat(64)}`, { digest: `sha256:${'b'.repeat(64)}` }],
  ])('GIVEN image %s WHEN parsed THEN tag and digest are %j', (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });

  const withImage = (image: string, dir: string) => withChange('Deployment', 'api', (o) => { apiContainer(o).image = image; }, dir);

  test.each([
    ['registry.example.com/app', 'dist/dev/shop', /has no tag/],
    ['registry.example.com/app:latest', 'dist/dev/shop', /floating tag latest/],
    ['registry.example.com/app:main-3f2a1c', 'dist/prod/shop', /production needs a semver tag/],
    ['registry.example.com/app@sha256:abc', 'dist/prod/shop', /malformed digest/],
  ])('GIVEN %s in %s WHEN validated THEN policy/image-tag rejects it', (image, dir, message) => {
    const [v] = violationsOf(validate(withImage(image, dir)), 'policy/image-tag');
    expect(v.message).toMatch(message);
    expect(v.path).toBe('spec.template.spec.containers[0].image');
  });

  test.each([
    ['registry.example.com/app:main-3f2a1c', 'dist/dev/shop'],
    ['registry.example.com/app:1.4.2-rc.1', 'dist/prod/shop'],
    ['registry.example.com/app:v1.4.2', 'dist/production/shop'],
  ])('GIVEN %s in %s WHEN validated THEN it passes', (image, dir) => {
    expect(violationsOf(validate(withImage(image, dir), { tiers: { dev: 'development' } }), 'policy/image-tag')).toEqual([]);
  });

  test('GIVEN an explicit environment option WHEN validating THEN it overrides the path convention', () => {
    const docs = withImage('registry.example.com/app:main-3f2a1c', 'dist/dev/shop');
    const tiers = { dev: 'development', prod: 'production', live: 'development' };
    expect(violationsOf(validate(docs, { tiers }), 'policy/image-tag')).toEqual([]);
    expect(violationsOf(validate(docs, { environment: 'prod', tiers }), 'policy/image-tag')).toHaveLength(1);
    expect(violationsOf(validate(docs, { environment: 'live', tiers }), 'policy/image-tag')).toEqual([]);
  });

  // Issue 19 item 6: prod-failover and prod-shared (tier production) accepted fediflow/api:build-42 because only the names prod/production counted.
  test.each([
    ['prod-failover', 'production', 1],
    ['prod-shared', 'production', 1],
    ['prod', 'staging', 0],
    ['qa', undefined, 1],
  ])('GIVEN a build tag in dist/%s of tier %s WHEN validated THEN the tier, not the name, decides (%d violation)', (env, tier, count) => {
    const docs = withImage('registry.example.com/fediflow/api:build-42', `dist/${env}/fediflow`);
    expect(violationsOf(validate(docs, { tiers: tier ? { [env]: tier } : {} }), 'policy/image-tag')).toHaveLength(count);
  });

  test('GIVEN file paths WHEN inferring the environment THEN the segment after dist/ is used', () => {
    expect(environmentFromPath('dist/prod/shop/a.yaml')).toBe('prod');
    expect(environmentFromPath('/tmp/x/dist/staging/a.yaml')).toBe('staging');
    expect(environmentFromPath('manifests/a.yaml')).toBeUndefined();
  });
});

describe('policy/credential-literal', () => {
  test.each([
    ['DB_PASSWORD', 'hunter2hunter2'],
    ['apiKey', 'k-1234567890abcdef'],
    ['CLIENT_SECRET', 'abc.def.ghi'],
    ['DATABASE_URL', 'postgres://app:s3cret@db:5432/app'],
    ['SSH_KEY', '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'],
    ['CONFIG', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
    ['GH', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('GIVEN %s=%j WHEN checked THEN it looks like a credential', (name, value) => {
    expect(credentialProblem(name, value)).toBeDefined();
  });

  test.each([
    ['DB_PASSWORD_FILE', '/run/secrets/db'],
    ['TOKEN_TTL', '3600'],
    ['SECRET_NAME', 'api-db'],
    ['API_KEY_HEADER', 'X-Api-Key'],
    ['DB_PASSWORD', '$(DB_PASSWORD_FROM_SECRET)'],
    ['DATABASE_URL', 'postgres://app:$(DB_PASSWORD)@db:5432/app'],
    ['PASSWORD_AUTH_ENABLED', 'true'],
    ['LOG_LEVEL', 'info'],
    ['UPSTREAM', 'https://api.example.com:8443/v1'],
  ])('GIVEN %s=%j WHEN checked THEN it is not flagged', (name, value) => {
    expect(credentialProblem(name, value)).toBeUndefined();
  });

  test('GIVEN a credential in a container env value WHEN validated THEN the message names the env var but never the value', () => {
    const docs = withChange('Deployment', 'api', (o) => { apiContainer(o).env = [{ name: 'API_TOKEN', value: 'tok_live_0123456789' }]; });
    const [v] = violationsOf(validate(docs), 'policy/credential-literal');
    expect(v.path).toBe('spec.template.spec.containers[0].env[0].value');
    expect(v.message).toContain('API_TOKEN');
    expect(v.message).not.toContain('tok_live');
    expect(v.value).toBeUndefined();
  });
});

describe('policy/pdb-required', () => {
  test.each([
    [{ maxUnavailable: 1 }, 3, 1],
    [{ maxUnavailable: 0 }, 3, 0],
    [{ maxUnavailable: '10%' }, 3, 1],
    [{ minAvailable: 2 }, 3, 1],
    [{ minAvailable: 3 }, 3, 0],
    [{ minAvailable: '50%' }, 3, 1],
    [{ minAvailable: '100%' }, 3, 0],
  ])('GIVEN PDB %j and %d replicas WHEN computing THEN %d disruptions are allowed', (spec, n, allowed) => {
    expect(allowedDisruptions(spec, n)).toBe(allowed);
  });

  test('GIVEN a replicated Deployment without HPA and without PDB WHEN validated THEN the violation points at spec.replicas', () => {
    const objects = validObjects().filter((o) => o.kind !== 'PodDisruptionBudget' && o.kind !== 'HorizontalPodAutoscaler');
    const [v] = violationsOf(validate(toDocs(objects)), 'policy/pdb-required');
    expect(v.path).toBe('spec.replicas');
    expect(v.message).toMatch(/2 replicas but no PodDisruptionBudget selects its pods/);
  });

  test('GIVEN a single replica WHEN validated THEN no PDB is needed', () => {
    const objects = validObjects().filter((o) => o.kind !== 'PodDisruptionBudget' && o.kind !== 'HorizontalPodAutoscaler');
    objects.find((o) => o.kind === 'Deployment')!.spec.replicas = 1;
    expect(violationsOf(validate(toDocs(objects)), 'policy/pdb-required')).toEqual([]);
  });
});

describe('policy/default-deny', () => {
  test.each<[string, (np: Obj) => void]>([
    ['only Ingress in policyTypes', (np) => { np.spec.policyTypes = ['Ingress']; }],
    ['an allow rule', (np) => { np.spec.ingress = [{}]; }],
    ['a non-empty podSelector', (np) => { np.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'api' } }; }],
  ])('GIVEN the default-deny policy with %s WHEN validated THEN it no longer counts', (_what, change) => {
    const report = validate(withChange('NetworkPolicy', 'default-deny', change));
    expect(violationsOf(report, 'policy/default-deny').map((v) => v.object.kind)).toEqual(['Namespace']);
  });

  test('GIVEN no Namespace object WHEN the default deny is missing THEN the first workload of the namespace carries the violation', () => {
    const objects = validObjects().filter((o) => o.kind !== 'Namespace' && o.metadata.name !== 'default-deny');
    const [v] = violationsOf(validate(toDocs(objects)), 'policy/default-deny');
    expect(v.object.namespace).toBe('shop');
    expect(v.path).toBe('metadata.namespace');
  });
});

describe('policy/probes and policy/resources', () => {
  test('GIVEN a CronJob without probes WHEN validated THEN probes are not required (run to completion)', () => {
    expect(violationsOf(validate(toDocs(validObjects())), 'policy/probes')).toEqual([]);
  });

  test('GIVEN an init container without resources WHEN validated THEN policy/resources names it', () => {
    const docs = withChange('Deployment', 'api', (o) => { o.spec.template.spec.initContainers = [{ ...apiContainer(o), name: 'migrate', resources: undefined }]; });
    const hits = violationsOf(validate(docs), 'policy/resources');
    expect(hits.map((v) => v.path)).toEqual(['spec.template.spec.initContainers[0].resources']);
    expect(hits[0].message).toMatch(/"migrate" lacks requests\.cpu, requests\.memory, limits\.cpu, limits\.memory/);
  });
});

describe('baseline', () => {
  test('GIVEN the valid fixtures in a prod directory WHEN validated THEN they pass the production rules too', () => {
    expect(summary(validate(toDocs(validObjects(), 'dist/prod/shop')))).toEqual([]);
  });
});
