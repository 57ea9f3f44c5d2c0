// How a StatusReport travels from schema version 2 on, beyond what Avro itself does: two things every
// instance repeats in every report are sent by reference. A family's help text that is one of the schema's
// `known_texts` (the Go client's and OPA's standard texts, most of a report's metric bytes otherwise) goes
// as its index in `help_ref`; a User-Agent that the parsed client fields spell exactly goes as null. Decoding
// restores both, so every reader of the codec sees the record as normalized. Pure functions.

import type { WireMapping } from './record-codec';
import type { ClientPlatform, MetricFamily, StatusReport } from './types';

interface WireFamily extends MetricFamily {
  help_ref?: number | null;
}

/** `<agent>/<agent_version> (<os>, <arch>)`, or as much of it as the fields give; null without an agent. */
export function canonicalUserAgent(client: ClientPlatform): string | null {
  if (client.agent === null || client.agent_version === null) return null;
  const base = `${client.agent}/${client.agent_version}`;
  return client.os !== null && client.arch !== null ? `${base} (${client.os}, ${client.arch})` : base;
}

/** The standard help texts a status schema version knows, or null when it predates `help_ref`. */
export function knownHelpTexts(schema: unknown): readonly string[] | null {
  let found: readonly string[] | null = null;
  const visit = (node: unknown): void => {
    if (found !== null || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const record = node as { name?: unknown; known_texts?: unknown };
    if (record.name === 'help_ref' && Array.isArray(record.known_texts)) {
      found = record.known_texts as string[];
      return;
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(schema);
  return found;
}

/** The wire mapping for a status schema version; null for versions without `help_ref` (version 1). */
export function statusWireMapping(schema: unknown): WireMapping<StatusReport> | null {
  const texts = knownHelpTexts(schema);
  if (texts === null) return null;
  const refs = new Map(texts.map((text, index) => [text, index]));

  return {
    // Object literals in schema order rather than spreads: the copies then share one shape, which keeps
    // avsc's generated writers monomorphic (spread copies made encoding about 1.5x slower).
    toWire(record: StatusReport): StatusReport {
      const client = record.client;
      const families = record.metric_families;
      const wireFamilies: WireFamily[] = new Array(families.length);
      for (let i = 0; i < families.length; i++) {
        const { name, help, type, unit, metrics } = families[i]!;
        const ref = help === null ? undefined : refs.get(help);
        // `unit` only exists from version 4 on; earlier writers ignore the property.
        wireFamilies[i] =
          ref === undefined
            ? { name, help, help_ref: null, type, unit, metrics }
            : { name, help: null, help_ref: ref, type, unit, metrics };
      }
      return {
        event_id: record.event_id,
        received_at: record.received_at,
        gateway_id: record.gateway_id,
        partition: record.partition,
        client: {
          user_agent:
            client.user_agent !== null && client.user_agent === canonicalUserAgent(client)
              ? null
              : client.user_agent,
          agent: client.agent,
          agent_version: client.agent_version,
          os: client.os,
          arch: client.arch,
        },
        labels: record.labels,
        bundles: record.bundles,
        legacy_bundle: record.legacy_bundle,
        discovery: record.discovery,
        decision_logs: record.decision_logs,
        plugins: record.plugins,
        metric_families: wireFamilies,
        other_metrics_json: record.other_metrics_json,
        extra_json: record.extra_json,
      };
    },

    fromWire(decoded: StatusReport): StatusReport {
      const client = decoded.client;
      if (client.user_agent === null) client.user_agent = canonicalUserAgent(client);
      const families = decoded.metric_families as WireFamily[];
      for (let i = 0; i < families.length; i++) {
        const { name, help, help_ref, type, unit, metrics } = families[i]!;
        // A reference past this version's texts (written by a later version) degrades to no help text.
        const resolved = help_ref === null || help_ref === undefined ? help : (texts[help_ref] ?? null);
        // A reader before version 4 has no unit: null, as in the records it resolves.
        families[i] = { name, help: resolved, type, unit: unit ?? null, metrics };
      }
      return decoded;
    },
  };
}
