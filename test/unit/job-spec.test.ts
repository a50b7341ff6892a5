import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/base/errors.js';
import { parseJobSpec } from '../../shared/domain/spec.js';

const valid = {
  name: 'train-llm',
  project: 'research',
  image: 'ghcr.io/acme/train:1.2',
  command: ['python', 'train.py'],
  env: { EPOCHS: '3' },
  resources: { accelerator: { type: 'nvidia-a100', count: 2 }, cpu: '8', memory: '64Gi' },
  priority: 500,
  labels: { team: 'nlp' },
  deadlineSeconds: 3600,
  callback: {
    url: 'https://hooks.example.com/sy',
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  },
};

function fieldsOf(body: unknown): string[] {
  try {
    parseJobSpec(body);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('INVALID_JOB');
    return ((e as AppError).details!.fields as Array<{ path: string }>).map((f) => f.path);
  }
  return [];
}

describe('parseJobSpec', () => {
  it('accepts a full submission and fills defaults', () => {
    const spec = parseJobSpec({ name: 'a', project: 'b', image: 'c', resources: {} });
    expect(spec).toMatchObject({ priority: 100, env: {}, labels: {} });
    expect(parseJobSpec(valid).resources.accelerator).toEqual({ type: 'nvidia-a100', count: 2 });
  });

  const cases: Array<{ name: string; body: unknown; wantFields: string[] }> = [
    { name: 'not an object', body: 'x', wantFields: ['(body)'] },
    {
      name: 'missing required fields',
      body: {},
      wantFields: ['name', 'project', 'image', 'resources'],
    },
    { name: 'bad name', body: { ...valid, name: 'Train_LLM' }, wantFields: ['name'] },
    {
      name: 'zero GPUs',
      body: { ...valid, resources: { accelerator: { type: 'nvidia-a100', count: 0 } } },
      wantFields: ['resources.accelerator.count'],
    },
    {
      name: 'bad quantity',
      body: { ...valid, resources: { cpu: 'lots' } },
      wantFields: ['resources.cpu'],
    },
    { name: 'priority out of range', body: { ...valid, priority: 5000 }, wantFields: ['priority'] },
    {
      name: 'non-http callback',
      body: { ...valid, callback: { ...valid.callback, url: 'file:///etc/passwd' } },
      wantFields: ['callback.url'],
    },
    {
      name: 'bad secret',
      body: { ...valid, callback: { ...valid.callback, secret: 'hunter2' } },
      wantFields: ['callback.secret'],
    },
    { name: 'unknown field', body: { ...valid, tenant: 'other' }, wantFields: ['(body)'] },
    {
      name: 'several at once',
      body: { ...valid, name: '', priority: -1, deadlineSeconds: 0 },
      wantFields: ['name', 'priority', 'deadlineSeconds'],
    },
  ];

  it.each(cases)('$name lists every bad field', ({ body, wantFields }) => {
    expect(fieldsOf(body).sort()).toEqual([...wantFields].sort());
  });
});
