// One prom-client Registry per process, with Node's default metrics and a `service` label.
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
