import { KafkaCluster } from '../../lib/data/kafka';
import { PRUNE_PROTECTION } from '../../lib/core/stateful';
import { gateErrors } from './gate';
import { chart, container, envOf, render } from './util';

const clusterId = { secret: 'kafka-cluster', key: 'id' };

describe('KafkaCluster', () => {
  describe('defaults: three combined KRaft nodes', () => {
    const c = chart();
    const kafka = new KafkaCluster(c, 'kafka', { namespace: 'infometis', clusterId });
    const r = render(c);
    const sts = r.get('StatefulSet/kafka');
    const props = r.get('ConfigMap/kafka-config').data['server.properties'];

    test('quorum voters from the headless Service, which publishes not-ready pods', () => {
      expect(kafka.quorumVoters).toBe(
        '0@kafka-0.kafka-headless.infometis.svc:9093,1@kafka-1.kafka-headless.infometis.svc:9093,2@kafka-2.kafka-headless.infometis.svc:9093',
      );
      expect(props).toContain(`controller.quorum.voters=${kafka.quorumVoters}`);
      expect(props).toContain('process.roles=broker,controller');
      expect(r.get('Service/kafka-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
    });

    test('node id from the pod ordinal, cluster id from the Secret, replication sized to 3 brokers', () => {
      const k = container(sts, 'kafka');
      expect(k.command[2]).toContain('echo "node.id=$((ordinal + 0))"');
      expect(k.command[2]).toContain('kafka-storage.sh format --ignore-formatted --cluster-id "$KAFKA_CLUSTER_ID"');
      expect(envOf(k).KAFKA_CLUSTER_ID).toEqual({ secretKeyRef: { name: 'kafka-cluster', key: 'id' } });
      expect(props).toContain('default.replication.factor=3');
      expect(props).toContain('min.insync.replicas=2');
      expect(props).not.toContain('zookeeper');
    });

    test('named ports, broker API readiness, JMX metrics from the OpenTelemetry Java agent with a ServiceMonitor', () => {
      const k = container(sts, 'kafka');
      expect(k.ports.map((p: any) => p.name)).toEqual(['client', 'controller', 'metrics']);
      expect(k.ports[2]).toEqual({ name: 'metrics', containerPort: 5556, protocol: 'TCP' });
      expect(k.readinessProbe.exec.command[2]).toContain('kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092');
      const agent = container(sts, 'otel-agent');
      expect(agent.image).toBe('ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:2.10.0');
      expect(agent.command).toEqual(['cp', '/javaagent.jar', '/otel-agent/javaagent.jar']);
      const script: string = k.command[2];
      expect(script).toContain('export KAFKA_OPTS="-javaagent:/otel-agent/javaagent.jar');
      expect(script).toContain('-Dotel.exporter.prometheus.port=5556 -Dotel.jmx.target.system=kafka-broker"');
      // the format tool runs before the export, so only the broker JVM opens the metrics port
      expect(script.indexOf('kafka-storage.sh format')).toBeLessThan(script.indexOf('export KAFKA_OPTS'));
      expect(r.has('ConfigMap/kafka-jmx')).toBe(false);
      expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['kafka']);
      expect(r.get('ServiceMonitor/kafka').spec.endpoints[0].port).toBe('metrics');
      expect(kafka.bootstrapServers).toBe('kafka.infometis.svc:9092');
    });

    test('protected data, PDB and spreading', () => {
      expect(sts.metadata.annotations).toEqual(PRUNE_PROTECTION);
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      expect(r.get('PodDisruptionBudget/kafka').spec.maxUnavailable).toBe(1);
      expect(sts.spec.template.spec.affinity).toBeDefined();
    });

    test('passes the gate', () => expect(gateErrors(r.all)).toEqual([]));
  });

  test('separate roles: controllers and brokers in their own StatefulSets with distinct ids', () => {
    const c = chart();
    new KafkaCluster(c, 'kafka', { namespace: 'prod', clusterId, roles: { type: 'separate', controllers: 3, brokers: 5 }, settings: { 'log.retention.hours': 72 } });
    const r = render(c);
    const ctl = r.get('StatefulSet/kafka-controller');
    const brk = r.get('StatefulSet/kafka-broker');
    expect(ctl.spec.replicas).toBe(3);
    expect(brk.spec.replicas).toBe(5);
    expect(r.get('ConfigMap/kafka-controller-config').data['server.properties']).toContain('process.roles=controller');
    const bp = r.get('ConfigMap/kafka-broker-config').data['server.properties'];
    expect(bp).toContain('process.roles=broker');
    expect(bp).toContain('controller.quorum.voters=0@kafka-controller-0.kafka-controller-headless.prod.svc:9093');
    expect(bp).toContain('log.retention.hours=72');
    expect(container(brk, 'kafka').command[2]).toContain('node.id=$((ordinal + 100))');
    expect(container(ctl, 'kafka').ports.map((p: any) => p.name)).toEqual(['controller', 'metrics']);
    expect(r.get('Service/kafka').spec.selector['app.kubernetes.io/component']).toBe('broker');
    expect(r.has('PodDisruptionBudget/kafka-controller')).toBe(true);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test('a single dev node gets replication factor 1 and no PDB', () => {
    const c = chart();
    new KafkaCluster(c, 'kafka', { namespace: 'dev', clusterId, roles: { type: 'combined', replicas: 1 }, storage: { size: '5Gi', storageClass: 'standard' } });
    const r = render(c);
    expect(r.get('ConfigMap/kafka-config').data['server.properties']).toContain('default.replication.factor=1');
    expect(r.has('PodDisruptionBudget/kafka')).toBe(false);
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['even quorum', { roles: { type: 'combined', replicas: 2 } }, 'test/kafka: roles.replicas: expected an odd number (1, 3 or 5): a quorum of n voters survives (n-1)/2 failures, an even count adds none, got 2'],
    ['even controllers', { roles: { type: 'separate', controllers: 4 } }, 'roles.controllers: expected an odd number'],
    ['no brokers', { roles: { type: 'separate', brokers: 0 } }, 'roles.brokers: expected an integer from 1 to 100, got 0'],
    ['missing cluster id', { clusterId: undefined }, 'clusterId: expected a Secret key holding the KRaft cluster id ({ secret, key }), got nothing'],
    ['derived setting', { settings: { 'node.id': 7 } }, 'settings.node.id: expected a property the construct does not derive'],
  ])('invalid: %s', (_, props, message) => {
    expect(() => new KafkaCluster(chart(), 'kafka', { namespace: 'ns', clusterId, ...(props as object) })).toThrow(message);
  });
});
