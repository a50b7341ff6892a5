/** Kubernetes label and field selectors: parsing and matching. Invalid input throws a 400. */
import type { Kind } from './types.js';
import { badRequest } from './errors.js';

export type Requirement =
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Requirements are ANDed. */
export function parseLabelSelector(selector: string | null | undefined): Requirement[] {
  const text = (selector ?? '').trim();
  if (!text) return [];
  return splitTopLevel(text).map(parseRequirement);
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  if (depth !== 0 || parts.some((p) => !p))
    throw badRequest(`unable to parse requirement: "${text}"`);
  return parts;
}

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseRequirement(part: string): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch) {
    const [, key = '', op, list = ''] = setMatch;
    const values = list.split(',').map((v) => v.trim());
    checkKey(key);
    values.forEach(checkValue);
    return { op: op === 'in' ? 'in' : 'notin', key, values };
  }
  const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eqMatch) {
    const [, key = '', op, value = ''] = eqMatch;
    checkKey(key);
    checkValue(value);
    return { op: op === '!=' ? 'notin' : 'in', key, values: [value] };
  }
  if (part.startsWith('!')) {
    const key = part.slice(1).trim();
    checkKey(key);
    return { op: 'notexists', key };
  }
  checkKey(part);
  return { op: 'exists', key: part };
}

function checkKey(key: string): void {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}"`);
}

function checkValue(value: string): void {
  if (value.length > 63 || !VALUE.test(value)) {
    throw badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  }
}

export function matchesLabels(
  requirements: Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(l[r.key] ?? '');
    }
  });
}

export interface FieldRequirement {
  path: string[];
  value: string;
  negate: boolean;
}

/**
 * The field labels a real API server accepts per kind (every kind has `metadata.name` and
 * `metadata.namespace`); any other answers 400 `field label not supported`, as kube-apiserver does.
 */
const FIELD_LABELS: Partial<Record<Kind, readonly string[]>> = {
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Job: ['status.successful'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'type',
  ],
};

/** Parses `metadata.name=x,status.phase!=Running` for a list of `kind`. */
export function parseFieldSelector(
  selector: string | null | undefined,
  kind: Kind,
): FieldRequirement[] {
  const text = (selector ?? '').trim();
  if (!text) return [];
  return text.split(',').map((part) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid field selector: "${part}"`);
    const [, path = '', op, value = ''] = m;
    if (path !== 'metadata.name' && path !== 'metadata.namespace') {
      if (!FIELD_LABELS[kind]?.includes(path)) {
        throw badRequest(`field label not supported: ${path}`);
      }
    }
    return { path: path.split('.'), value, negate: op === '!=' };
  });
}

export function matchesFields(requirements: FieldRequirement[], object: unknown): boolean {
  return requirements.every((r) => {
    let current: unknown = object;
    for (const segment of r.path) {
      current =
        current && typeof current === 'object'
          ? (current as Record<string, unknown>)[segment]
          : undefined;
    }
    const actual = current === undefined || current === null ? '' : String(current);
    return r.negate ? actual !== r.value : actual === r.value;
  });
}
