/**
 * The API's metrics registry: the edge-safe one in shared/metrics. `/metrics` needs a bearer token
 * with `metrics:read` (nothing is open by default); series with a tenant label also need
 * `metrics:tenants` (see shared/api/routes/metrics-gauges.ts and docs/metrics.md).
 */
import { createRegistry, type MetricsRegistry } from '../metrics/registry.js';

export const createMetrics = createRegistry;
export type Metrics = MetricsRegistry;
