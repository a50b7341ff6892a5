/**
 * The single DynamoDB table behind the DynamoDB store: its keys, indexes and TTL attribute, and the
 * key builders every item uses. `infra/terraform/dynamodb.tf` defines the same table; a unit test
 * (test/unit/dynamodb-table-spec.test.ts) keeps the two in step. See docs/dynamodb-single-table.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface IndexSpec {
  name: string;
  hashKey: string;
  rangeKey: string;
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableSpec {
  hashKey: string;
  rangeKey: string;
  /** Every key attribute (table and indexes) is a string. */
  attributeTypes: Record<string, 'S' | 'N'>;
  indexes: IndexSpec[];
  /** Epoch seconds; DynamoDB deletes the item some time after it passes. */
  ttlAttribute: string;
  billingMode: 'PAY_PER_REQUEST';
}

/**
 * gsi1: children of a parent, in their listing order (a tenant's jobs, tokens, schedules, hooks;
 * a job's deliveries). gsi2: a tenant's jobs in one project. gsi3: a tenant's jobs in one state.
 * gsi4: global work lists (jobs by state, pending deliveries by due time, active schedules by
 * next fire time); deliveries and schedules appear there only while they are due-able (sparse).
 */
export const TABLE_SPEC: TableSpec = {
  hashKey: 'pk',
  rangeKey: 'sk',
  attributeTypes: {
    pk: 'S',
    sk: 'S',
    gsi1pk: 'S',
    gsi1sk: 'S',
    gsi2pk: 'S',
    gsi2sk: 'S',
    gsi3pk: 'S',
    gsi3sk: 'S',
    gsi4pk: 'S',
    gsi4sk: 'S',
  },
  indexes: [1, 2, 3, 4].map((n) => ({
    name: `gsi${n}`,
    hashKey: `gsi${n}pk`,
    rangeKey: `gsi${n}sk`,
    projection: 'ALL' as const,
  })),
  ttlAttribute: 'expiresAt',
  billingMode: 'PAY_PER_REQUEST',
};

/** The CreateTable request for `tableName` (TTL is switched on separately). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: TABLE_SPEC.billingMode,
    AttributeDefinitions: Object.entries(TABLE_SPEC.attributeTypes).map(([name, type]) => ({
      AttributeName: name,
      AttributeType: type,
    })),
    KeySchema: [
      { AttributeName: TABLE_SPEC.hashKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SPEC.rangeKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_SPEC.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.hashKey, KeyType: 'HASH' },
        { AttributeName: index.rangeKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

/** Escapes `%` and `#` so that user-supplied parts can never forge another key. */
const part = (value: string): string => value.replace(/%/g, '%25').replace(/#/g, '%23');
/** Joins key parts with `#`, escaping each. */
export const key = (...parts: string[]): string => parts.map(part).join('#');
/** A sort key in (createdAt, id) order. Timestamps are fixed-length ISO strings. */
export const timeId = (at: string, id: string): string => `${at}#${id}`;

/** Partition keys of every item kind and list. */
export const K = {
  job: (id: string) => key('JOB', id),
  jobsOfTenant: (tenantId: string) => key('TENANT', tenantId, 'JOBS'),
  jobsOfProject: (tenantId: string, project: string) =>
    key('TENANT', tenantId, 'PROJECT', project, 'JOBS'),
  jobsOfTenantInState: (tenantId: string, state: string) =>
    key('TENANT', tenantId, 'STATE', state, 'JOBS'),
  jobsInState: (state: string) => key('JOBS', 'STATE', state),
  clusters: 'CLUSTERS',
  usage: 'USAGE',
  tenant: (id: string) => key('TENANT', id),
  token: (id: string) => key('TOKEN', id),
  tokensOfTenant: (tenantId: string) => key('TENANT', tenantId, 'TOKENS'),
  idempotency: (tenantId: string, idemKey: string) => key('IDEM', tenantId, idemKey),
  delivery: (id: string) => key('DELIVERY', id),
  deliveriesOfJob: (jobId: string) => key('JOB', jobId, 'DELIVERIES'),
  deliveriesPending: 'DELIVERIES#PENDING',
  schedule: (id: string) => key('SCHEDULE', id),
  schedulesOfTenant: (tenantId: string) => key('TENANT', tenantId, 'SCHEDULES'),
  schedulesActive: 'SCHEDULES#ACTIVE',
  hook: (id: string) => key('HOOK', id),
  hooksOfTenant: (tenantId: string) => key('TENANT', tenantId, 'HOOKS'),
  claim: (claimKey: string) => key('CLAIM', claimKey),
  setting: (settingKey: string) => key('SETTING', settingKey),
} as const;

/** The sort key of single-item partitions. */
export const ITEM_SK = 'ITEM';
