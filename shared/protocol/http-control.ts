/**
 * The control plane reached over HTTP, for drainers that run next to their clusters rather than in
 * the control plane's process. Authenticated with an API token that has the `drainer` scope.
 */
import type { CapacityReport } from '../domain/cluster.js';
import { AppError } from '../base/errors.js';
import type {
  ClaimAnswer,
  ClaimRequest,
  ControlPlane,
  ExpectedJob,
  ReportAnswer,
  StatusReport,
} from './control-port.js';
import type { LogPositions, LogPositionsRequest, LogShipAnswer, LogShipment } from './logs.js';

export interface HttpControlPlaneOptions {
  /** Base URL of the Switchyard API, e.g. `https://switchyard.example.com`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createHttpControlPlane(o: HttpControlPlaneOptions): ControlPlane {
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/+$/, '');

  async function post<T>(path: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}/v1/drainer/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (e) {
      throw new AppError(
        'UNAVAILABLE',
        `cannot reach the control plane at ${base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        /* not the JSON envelope */
      }
      throw new AppError(
        res.status >= 500 || res.status === 429 ? 'UNAVAILABLE' : 'BAD_REQUEST',
        `control plane answered ${res.status} to ${path}: ${message}`,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  return {
    claim: (request: ClaimRequest) => post<ClaimAnswer>('claim', request),
    report: (report: StatusReport) => post<ReportAnswer>('report', report),
    heartbeat: async (clusterId: string, capacity: CapacityReport) => {
      await post('heartbeat', { clusterId, capacity });
    },
    shipLogs: (chunk: LogShipment) => post<LogShipAnswer>('logs', chunk),
    logPositions: (request: LogPositionsRequest) => post<LogPositions>('log-positions', request),
    expected: async (clusterId: string) =>
      (await post<{ items: ExpectedJob[] }>('expected', { clusterId })).items,
  };
}
