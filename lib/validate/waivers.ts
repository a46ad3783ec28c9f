import { K8sObject, Reporter } from './model';
import { RULES, RuleId, WAIVER_PREFIX, isRuleId } from './rules';
import { ManifestDocument, Violation, WaiverPolicy, WaiverUse } from './types';

interface ActiveWaiver { readonly annotation: string; readonly reason: string; suppressed: number }

/**
 * Reads the waiver annotations of every object, reports malformed ones, and
 * removes the violations that valid waivers cover.
 */
export function applyWaivers(objects: readonly K8sObject[], r: Reporter, policy: WaiverPolicy): { violations: Violation[]; waivers: WaiverUse[] } {
  const forbidden = new Set<RuleId>(policy.forbiddenRules ?? []);
  const active = new Map<ManifestDocument, Map<RuleId, ActiveWaiver>>();
  const uses: Array<{ o: K8sObject; rule: RuleId; w: ActiveWaiver }> = [];

  for (const o of objects) {
    for (const [key, value] of Object.entries(o.annotations)) {
      if (!key.startsWith(WAIVER_PREFIX)) continue;
      const path = `metadata.annotations[${JSON.stringify(key)}]`;
      const suffix = key.slice(WAIVER_PREFIX.length);
      const rule = suffix.replace('.', '/');
      if (!isRuleId(rule)) {
        const valid = Object.keys(RULES).filter((id) => RULES[id as RuleId].waivable).map((id) => WAIVER_PREFIX + id.replace('/', '.'));
        r.add(o, 'waiver/unknown-rule', path, `waiver names unknown rule ${JSON.stringify(rule)}; waivable rules: ${valid.join(', ')}`, key);
        continue;
      }
      if (!RULES[rule].waivable || forbidden.has(rule)) {
        r.add(o, 'waiver/not-allowed', path, `rule ${rule} cannot be waived${forbidden.has(rule) ? ' in this environment' : ''}; fix the object instead`, key);
        continue;
      }
      const reason = value.trim();
      if (reason === '') {
        r.add(o, 'waiver/missing-reason', path, `waiver of ${rule} has no reason; write why the rule does not apply (and a ticket, if temporary)`, key);
        continue;
      }
      const w: ActiveWaiver = { annotation: key, reason, suppressed: 0 };
      const forDoc = active.get(o.doc) ?? new Map<RuleId, ActiveWaiver>();
      forDoc.set(rule, w);
      active.set(o.doc, forDoc);
      uses.push({ o, rule, w });
    }
  }

  const violations: Violation[] = [];
  for (const { doc, violation } of r.entries) {
    const w = active.get(doc)?.get(violation.rule);
    if (w) w.suppressed++;
    else violations.push(violation);
  }
  const waivers: WaiverUse[] = uses.map(({ o, rule, w }) => ({
    rule, file: o.doc.file, object: o.ref,
    ...(o.doc.constructPath === undefined ? {} : { constructPath: o.doc.constructPath }),
    annotation: w.annotation, reason: w.reason, suppressed: w.suppressed,
  }));
  return { violations, waivers };
}
