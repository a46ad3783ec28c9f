/**
 * Heuristics for credentials written as literals. Two kinds of evidence:
 * the key name says "credential" and the value is a plain literal (not a
 * reference, placeholder, path, number or flag), or the value itself has the
 * shape of a well-known secret. Messages never repeat the value.
 */

const SENSITIVE_NAME = /(pass(word|wd|phrase)?|pwd|secret|token|api[-_.]?key|access[-_.]?key|private[-_.]?key|credential|auth[-_.]?key|client[-_.]?secret)/i;
/** names that mention a secret but hold where/what it is, not the secret itself */
const NAME_EXEMPT = /([-_.](file|path|dir|url|uri|endpoint|host|name|ref|id|header|type|ttl|expiry|length|enabled|mode|key[-_.]?id)$)|^(secret|token)[-_.]?name$/i;
const REFERENCE_VALUE = /^(\$\(|\$\{|\{\{|vault:|ref\+|arn:aws:(secretsmanager|ssm)|awssm:|gcpsm:|azkv:|sm:\/\/|file:|\/)/i;
const PLACEHOLDER = /^(|true|false|yes|no|on|off|none|null|changeme|redacted|\*+|<[^>]*>|x+|-?\d+(\.\d+)?[smhd]?)$/i;

const VALUE_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN ([A-Z]+ )?PRIVATE KEY( BLOCK)?-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:(?!\$\(|\$\{|\{\{)[^\s:/@]+@/i, 'a URL with an embedded password (user:pass@)'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abpors]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bsk_live_[A-Za-z0-9]{16,}/, 'a Stripe secret key'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON Web Token'],
];

/** Why `value` under `name` looks like a credential literal, or undefined. */
export function credentialProblem(name: string, value: string): string | undefined {
  for (const [re, what] of VALUE_PATTERNS) {
    if (re.test(value)) return `value of ${JSON.stringify(name)} looks like ${what}`;
  }
  const v = value.trim();
  if (SENSITIVE_NAME.test(name) && !NAME_EXEMPT.test(name) && !REFERENCE_VALUE.test(v) && !PLACEHOLDER.test(v)) {
    return `${JSON.stringify(name)} names a credential and holds a literal value (${v.length} characters)`;
  }
  return undefined;
}
