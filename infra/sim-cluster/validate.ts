/**
 * Validation and defaulting of incoming objects, with the messages and `causes` a real API server
 * returns (422 Invalid), and 400 BadRequest for bodies that are not the right kind of object.
 */
import { badRequest, invalid } from './errors.js';
import type { StatusCause } from './errors.js';
import type { Container, JobObject, KubeObject } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quoted(v: unknown): string {
  return JSON.stringify(v);
}

function checkName(name: unknown, field: string, causes: StatusCause[]): void {
  if (typeof name !== 'string' || name === '') {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  } else if (name.length > 63) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${quoted(name)}: must be no more than 63 characters`,
      field,
    });
  } else if (!DNS1123_LABEL.test(name)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${quoted(name)}: ${DNS_MSG}`,
      field,
    });
  }
}

function checkLabels(labels: unknown, field: string, causes: StatusCause[]): void {
  if (labels === undefined) return;
  if (!isRecord(labels)) {
    causes.push({ reason: 'FieldValueInvalid', message: 'Invalid value: must be a map', field });
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    const [prefix, name] = k.includes('/') ? k.split('/', 2) : [undefined, k];
    const keyOk =
      name !== undefined &&
      name.length <= 63 &&
      LABEL_KEY_NAME.test(name) &&
      (prefix === undefined ||
        (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix)));
    if (!keyOk) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quoted(k)}: name part must consist of alphanumeric characters, '-', '_' or '.'`,
        field,
      });
    }
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quoted(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`,
        field: `${field}`,
      });
    }
  }
}

/** Checks kind/apiVersion and fills the namespace; a mismatch is a 400 like a real server. */
export function checkEnvelope(
  body: unknown,
  kind: string,
  apiVersion: string,
  namespace?: string,
): KubeObject {
  if (!isRecord(body)) throw badRequest(`the body of the request was in an unknown format`);
  if (body.kind !== undefined && body.kind !== kind) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  if (namespace !== undefined) {
    if (
      metadata.namespace !== undefined &&
      metadata.namespace !== '' &&
      metadata.namespace !== namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = namespace;
  }
  if (!metadata.name && typeof metadata.generateName === 'string') {
    metadata.name = `${metadata.generateName}${randomSuffix()}`;
  }
  for (const serverSet of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    'managedFields',
  ]) {
    delete metadata[serverSet];
  }
  return { ...body, apiVersion, kind, metadata: metadata as KubeObject['metadata'] };
}

export function validateNamespace(object: KubeObject): KubeObject {
  const causes: StatusCause[] = [];
  checkName(object.metadata.name, 'metadata.name', causes);
  checkLabels(object.metadata.labels, 'metadata.labels', causes);
  if (causes.length) throw invalid('Namespace', '', String(object.metadata.name ?? ''), causes);
  object.metadata.labels = {
    ...object.metadata.labels,
    'kubernetes.io/metadata.name': object.metadata.name,
  };
  object.spec = { finalizers: ['kubernetes'] };
  object.status = { phase: 'Active' };
  return object;
}

/** Validates a Job and applies the defaults a real API server would. */
export function validateJob(object: KubeObject): JobObject {
  const causes: StatusCause[] = [];
  const name = object.metadata.name;
  checkName(name, 'metadata.name', causes);
  checkLabels(object.metadata.labels, 'metadata.labels', causes);
  const spec = isRecord(object.spec) ? object.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const podSpec = isRecord(template.spec) ? template.spec : {};
  const tmplMeta = isRecord(template.metadata) ? template.metadata : {};
  checkLabels(tmplMeta.labels, 'spec.template.metadata.labels', causes);
  const containers = Array.isArray(podSpec.containers) ? (podSpec.containers as unknown[]) : [];
  if (containers.length === 0) {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.template.spec.containers',
    });
  }
  containers.forEach((c, i) => {
    const field = `spec.template.spec.containers[${i}]`;
    const container = isRecord(c) ? c : {};
    checkName(container.name, `${field}.name`, causes);
    if (typeof container.image !== 'string' || container.image.trim() === '') {
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: `${field}.image`,
      });
    }
  });
  const restart = String(podSpec.restartPolicy ?? 'Always');
  if (restart !== 'Never' && restart !== 'OnFailure') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${quoted(restart)}: supported values: "OnFailure", "Never"`,
      field: 'spec.template.spec.restartPolicy',
    });
  }
  for (const field of [
    'activeDeadlineSeconds',
    'ttlSecondsAfterFinished',
    'backoffLimit',
  ] as const) {
    const v = spec[field];
    const min = field === 'activeDeadlineSeconds' ? 1 : 0;
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min)) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${quoted(v)}: must be greater than or equal to ${min}`,
        field: `spec.${field}`,
      });
    }
  }
  if (causes.length) throw invalid('Job', 'batch', typeof name === 'string' ? name : '', causes);
  return {
    ...object,
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      ...spec,
      template: {
        ...template,
        metadata: tmplMeta,
        spec: { ...podSpec, containers: containers as Container[], restartPolicy: restart },
      },
    },
    status: {},
  };
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters from the alphabet Kubernetes uses for generated names. */
export function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += SUFFIX_CHARS.charAt(Math.floor(Math.random() * SUFFIX_CHARS.length));
  return out;
}
