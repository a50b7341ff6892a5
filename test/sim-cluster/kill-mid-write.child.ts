/**
 * Child process of atomic-writes.test.ts: on the simulator's store in the data file `argv[2]`,
 * creates a Job (and, for `end`, starts and ends its pod), and kills itself with SIGKILL just
 * before the second write of the step named by `argv[3]`: `create` (the pod after its Job) or
 * `end` (the Job after its ended pod). What the file holds afterwards is what a restart finds.
 */
import { createJob } from '../../infra/sim-cluster/controller.js';
import { bindPod, endPod } from '../../infra/sim-cluster/kubelet.js';
import { Store } from '../../infra/sim-cluster/store.js';
import type { JobObject, Kind, KubeObject, PodObject } from '../../infra/sim-cluster/types.js';

const [dataFile, step] = process.argv.slice(2);

class KillingStore extends Store {
  armed = false;
  private kill(kind: Kind, wanted: Kind) {
    if (!this.armed || kind !== wanted) return;
    process.kill(process.pid, 'SIGKILL');
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
  override create<T extends KubeObject>(kind: Kind, object: T, now: Date): T {
    if (step === 'create') this.kill(kind, 'Pod');
    return super.create(kind, object, now);
  }
  override update<T extends KubeObject>(kind: Kind, object: T): T {
    if (step === 'end') this.kill(kind, 'Job');
    return super.update(kind, object);
  }
  // The controller and kubelet write with these (no copy handed back); same kill points.
  override add(kind: Kind, object: KubeObject, now: Date): void {
    if (step === 'create') this.kill(kind, 'Pod');
    super.add(kind, object, now);
  }
  override put(kind: Kind, object: KubeObject): void {
    if (step === 'end') this.kill(kind, 'Job');
    super.put(kind, object);
  }
}

const store = new KillingStore(dataFile);
const log = { defaultDurationSeconds: 1, log: () => {} };
const job: JobObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'victim', namespace: 'default' },
  spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
  status: {},
} as JobObject;
const now = new Date();
store.armed = step === 'create';
const created = createJob(store, job, now);
const pod = store.list<PodObject>('Pod', 'default')[0]!;
bindPod(store, pod, 'node-0', created, now, log);
store.armed = true;
const running = store.list<PodObject>('Pod', 'default')[0]!;
const current = store.get<JobObject>('Job', 'default', 'victim');
endPod(store, running, current, now, 0, undefined, log);
process.exit(3); // not reached: the kill comes first
