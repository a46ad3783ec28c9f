import * as yaml from 'js-yaml';
import { Alertmanager, AlertmanagerProps } from '../../lib/platform/alertmanager';
import { gateErrors } from './gate';
import { chart, render } from './util';

const PROPS: AlertmanagerProps = {
  namespace: 'obs',
  receivers: [
    { kind: 'pagerduty', name: 'oncall', routingKey: { secret: 'receivers', key: 'pd' } },
    { kind: 'slack', name: 'team', webhookUrl: { secret: 'receivers', key: 'slack' }, channel: '#team-alerts' },
  ],
  timeIntervals: [{ name: 'office', weekdays: ['monday:friday'], start: '08:30', end: '18:00', location: 'Europe/Berlin' }],
  routes: [
    { severity: 'critical', receiver: 'oncall' },
    { severity: 'warning', receiver: 'team', activeTimeInterval: 'office' },
  ],
};

describe('Alertmanager', () => {
  const c = chart();
  const am = new Alertmanager(c, 'alertmanager', PROPS);
  const r = render(c);
  const cfg = yaml.load(r.get('ConfigMap/alertmanager-config').data['alertmanager.yml']) as any;

  test('GIVEN routes by severity THEN unmatched alerts go to a receiver that notifies nobody, and critical inhibits warning of the same SLO', () => {
    expect(cfg.route.receiver).toBe('nobody');
    expect(cfg.receivers.find((x: any) => x.name === 'nobody')).toEqual({ name: 'nobody' });
    expect(cfg.route.routes).toEqual([
      { receiver: 'oncall', matchers: ['severity="critical"'] },
      { receiver: 'team', matchers: ['severity="warning"'], active_time_intervals: ['office'] },
    ]);
    expect(cfg.inhibit_rules).toEqual([{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['service', 'slo'] }]);
    expect(cfg.time_intervals[0].time_intervals[0]).toEqual({ weekdays: ['monday:friday'], times: [{ start_time: '08:30', end_time: '18:00' }], location: 'Europe/Berlin' });
  });

  test('GIVEN receivers with secret keys THEN the config names files of the mounted Secret, and the pod mounts it read-only', () => {
    expect(cfg.receivers[0].pagerduty_configs[0].routing_key_file).toBe('/etc/alertmanager/secrets/receivers/pd');
    expect(cfg.receivers[1].slack_configs[0].api_url_file).toBe('/etc/alertmanager/secrets/receivers/slack');
    const pod = r.get('StatefulSet/alertmanager').spec.template.spec;
    expect(pod.volumes.filter((v: any) => v.secret)).toEqual([{ name: 'secret-0', secret: { secretName: 'receivers' } }]);
    expect(am.target).toBe('alertmanager.obs.svc:9093');
  });

  test('GIVEN the defaults THEN one restricted pod keeps silences on a protected volume and passes the gate', () => {
    const sts = r.get('StatefulSet/alertmanager');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    expect(sts.spec.template.spec.containers[0].args).toContain('--storage.path=/alertmanager');
    expect(gateErrors(r.all)).toEqual([]);
  });

  test.each([
    ['a severity the rules emit without a route', { requiredSeverities: ['critical', 'page'] }, 'routes: expected a route for severity "page", which the alerting rules emit'],
    ['a route to an unknown receiver', { routes: [{ severity: 'critical', receiver: 'pager' }] }, 'routes[0].receiver: expected one of the receivers (oncall, team)'],
    ['an unknown time interval', { routes: [{ severity: 'warning', receiver: 'team', activeTimeInterval: 'weekdays' }] }, 'routes[0].activeTimeInterval: expected one of the time intervals (office)'],
    ['two routes for one severity', { routes: [{ severity: 'critical', receiver: 'oncall' }, { severity: 'critical', receiver: 'team' }] }, 'routes[1].severity: expected a severity no other route has'],
    ['an end before the start', { timeIntervals: [{ name: 'office', weekdays: ['monday:friday'], start: '18:00', end: '08:00' }] }, 'timeIntervals[0].end: expected a time "HH:MM" after 18:00'],
    ['a misspelt weekday', { timeIntervals: [{ name: 'office', weekdays: ['mon:fri'], start: '08:00', end: '18:00' }] }, 'timeIntervals[0].weekdays[0]: expected a weekday or range'],
    ['a Slack channel without #', { receivers: [{ kind: 'slack', name: 'team', webhookUrl: { secret: 's', key: 'k' }, channel: 'alerts' }], routes: [] }, 'receivers[0].channel: expected a Slack channel such as "#alerts"'],
  ])('GIVEN %s THEN construction fails naming the field', (_, extra, message) => {
    expect(() => new Alertmanager(chart(), 'alertmanager', { ...PROPS, ...(extra as object) })).toThrow(message);
  });
});
