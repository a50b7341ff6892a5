/** The store/queue pairs `bench:drivers` measures, the clusters and bodies, and the stand-ins. */
import { join } from 'node:path';
import {
  dynamoDbLocalUnavailable,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../../infra/emulators/dynamodb.js';
import {
  pubSubEmulatorUnavailable,
  startPubSubEmulator,
  type RunningPubSubEmulator,
} from '../../../infra/emulators/pubsub.js';
import { systemClock } from '../../../shared/base/clock.js';
import type { ClusterDefinition } from '../../../shared/clusters/service.js';
import type { Queue } from '../../../shared/queue/port.js';
import { createPubSubRestQueue } from '../../../shared/queue/pubsub-rest.js';
import { createPubSubQueue } from '../../../shared/queue/pubsub.node.js';
import { createSqliteQueue } from '../../../shared/queue/sqlite.node.js';
import { createDynamoDbStore } from '../../../shared/store/dynamodb.js';
import { createMemoryStore } from '../../../shared/store/memory.js';
import type { StateStore } from '../../../shared/store/port.js';
import { createSqliteStore } from '../../../shared/store/sqlite.node.js';

const RUN = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const CLUSTERS: ClusterDefinition[] = [
  { id: 'aws-us-east-1', cloud: 'aws', region: 'us-east-1', accelerators: ['nvidia-a100'] },
  { id: 'gcp-europe-west4', cloud: 'gcp', region: 'europe-west4', accelerators: ['nvidia-h100'] },
  {
    id: 'onprem-dc1',
    cloud: 'onprem',
    region: 'dc1',
    accelerators: ['nvidia-a100', 'nvidia-h100'],
  },
].map(({ accelerators, ...c }) => ({
  ...c,
  queue: c.cloud,
  labels: {},
  // Large static pools and no capacity report: placement never runs out during a run.
  pools: accelerators.map((accelerator) => ({ accelerator, nodes: 100_000, gpusPerNode: 8 })),
}));

export const BODIES = ['nvidia-a100', 'nvidia-h100'].map((type) =>
  JSON.stringify({
    name: 'bench',
    project: 'bench',
    image: 'ghcr.io/acme/bench:1',
    command: ['python', 'train.py'],
    env: { EPOCHS: '1' },
    resources: { accelerator: { type, count: 1 }, cpu: '4', memory: '16Gi' },
    priority: 100,
    labels: { team: 'bench' },
  }),
);

export type StandIn = 'dynamodb' | 'pubsub';

export interface Emulators {
  dynamodb?: DynamoDbLocal;
  pubsub?: RunningPubSubEmulator;
  skipped: Record<StandIn, string | undefined>;
}

export interface Drivers {
  store: StateStore;
  queue: Queue;
}

export interface Pair {
  name: string;
  needs: StandIn[];
  build(em: Emulators, dir: string): Promise<Drivers>;
}

const pubsubOptions = (i: number) => ({
  projectId: 'switchyard-bench',
  prefix: `${RUN}p${i}`,
  autoCreate: true,
});

const dynamoStore = async (em: Emulators, i: number) => {
  const store = createDynamoDbStore({
    tableName: `${RUN}-t${i}`,
    endpoint: em.dynamodb!.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await store.ensureTable();
  return store;
};

export const PAIRS: Pair[] = [
  {
    name: 'sqlite+sqlite',
    needs: [],
    build: async (_em, dir) => ({
      store: createSqliteStore({ path: join(dir, 'state.db') }),
      queue: createSqliteQueue({ path: join(dir, 'queue.db') }),
    }),
  },
  {
    name: 'memory+sqlite',
    needs: [],
    build: async (_em, dir) => ({
      store: createMemoryStore({ clock: systemClock }),
      queue: createSqliteQueue({ path: join(dir, 'queue.db') }),
    }),
  },
  {
    name: 'sqlite+pubsub',
    needs: ['pubsub'],
    build: async (em, dir) => ({
      store: createSqliteStore({ path: join(dir, 'state.db') }),
      queue: createPubSubQueue({ ...pubsubOptions(1), apiEndpoint: em.pubsub!.host }),
    }),
  },
  {
    name: 'dynamodb+pubsub',
    needs: ['dynamodb', 'pubsub'],
    build: async (em) => ({
      store: await dynamoStore(em, 2),
      queue: createPubSubQueue({ ...pubsubOptions(2), apiEndpoint: em.pubsub!.host }),
    }),
  },
  {
    name: 'dynamodb+pubsub-rest',
    needs: ['dynamodb', 'pubsub'],
    build: async (em) => ({
      store: await dynamoStore(em, 3),
      queue: createPubSubRestQueue({ ...pubsubOptions(3), baseUrl: `http://${em.pubsub!.host}` }),
    }),
  },
];

/** Starts the stand-ins the pairs need; one that cannot start is recorded as skipped. */
export async function startEmulators(
  needed: ReadonlySet<StandIn>,
  onStop: (stop: () => Promise<unknown>) => void,
): Promise<Emulators> {
  const em: Emulators = {
    skipped: {
      dynamodb: needed.has('dynamodb') ? dynamoDbLocalUnavailable() : 'not needed',
      pubsub: needed.has('pubsub') ? pubSubEmulatorUnavailable() : 'not needed',
    },
  };
  await Promise.all([
    em.skipped.dynamodb
      ? undefined
      : startDynamoDbLocal().then(
          (d) => {
            em.dynamodb = d;
            onStop(() => d.stop());
          },
          (e: unknown) => (em.skipped.dynamodb = String(e)),
        ),
    em.skipped.pubsub
      ? undefined
      : startPubSubEmulator().then(
          (p) => {
            em.pubsub = p;
            onStop(() => p.stop());
          },
          (e: unknown) => (em.skipped.pubsub = String(e)),
        ),
  ]);
  return em;
}
