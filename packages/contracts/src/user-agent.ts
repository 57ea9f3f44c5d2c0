// OPA identifies itself as `Open Policy Agent/<version> (<os>, <arch>)`. Anything else (curl, proxies,
// other agents) is tolerated: the fields it does not yield are null.

import type { ClientPlatform } from './types';

// Anchored, no nested or overlapping quantifiers: linear in the header length.
const AGENT = /^([^/()\s][^/()]*?)\/(\S+)(?:\s+\(([^,()]*),\s*([^,()]*)\))?/;

/** What a User-Agent header says about the client; `maxLength` truncates the raw header kept. */
export function parseUserAgent(header: string | undefined | null, maxLength = 4096): ClientPlatform {
  if (header === undefined || header === null || header === '') {
    return { user_agent: null, agent: null, agent_version: null, os: null, arch: null };
  }
  const raw = header.length > maxLength ? header.slice(0, maxLength) : header;
  const match = AGENT.exec(raw.trimStart());
  if (!match) {
    return { user_agent: raw, agent: null, agent_version: null, os: null, arch: null };
  }
  const os = match[3]?.trim().toLowerCase();
  const arch = match[4]?.trim().toLowerCase();
  return {
    user_agent: raw,
    agent: match[1]!.trim(),
    agent_version: match[2]!,
    os: os ? os : null,
    arch: arch ? arch : null,
  };
}
