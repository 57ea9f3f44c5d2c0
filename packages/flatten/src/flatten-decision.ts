// DecisionEvent -> one decisions row. Maps become sorted parallel arrays (no Map type on 18.16).
import type { DecisionEvent } from '@opa-fleet/contracts';
import type { DecisionRow } from './rows';
import { microsToSeconds } from './time';

function sortedPairs(map: Record<string, string>): [string[], string[]] {
  const names = Object.keys(map).sort();
  return [names, names.map((name) => map[name]!)];
}

export function flattenDecision(event: DecisionEvent): DecisionRow {
  const [labelNames, labelValues] = sortedPairs(event.labels);
  const [bundleNames, bundleRevisions] = sortedPairs(event.bundles);
  return {
    decision_id: event.decision_id,
    instance_id: event.instance_id,
    decided_at: microsToSeconds(event.timestamp),
    decided_at_us: event.timestamp,
    decided_at_nanos: event.timestamp_nanos,
    event_id: event.event_id,
    received_at: microsToSeconds(event.received_at),
    received_at_us: event.received_at,
    gateway_id: event.gateway_id,
    partition: event.partition ?? '',
    user_agent: event.user_agent,
    opa_version: event.opa_version,
    label_names: labelNames,
    label_values: labelValues,
    path: event.path,
    query: event.query,
    input_json: event.input_json,
    result_json: event.result_json,
    mapped_result_json: event.mapped_result_json,
    intermediate_results_json: event.intermediate_results_json,
    nd_builtin_cache_json: event.nd_builtin_cache_json,
    erased: event.erased,
    masked: event.masked,
    error_json: event.error_json,
    requested_by: event.requested_by,
    req_id: event.req_id,
    trace_id: event.trace_id,
    span_id: event.span_id,
    batch_decision_id: event.batch_decision_id,
    revision: event.revision,
    bundle_names: bundleNames,
    bundle_revisions: bundleRevisions,
    metric_names: event.metric_names,
    metric_values: event.metric_values,
    request_context_json: event.request_context_json,
    rule_labels_json: event.rule_labels_json,
    custom_json: event.custom_json,
    extra_json: event.extra_json,
  };
}
