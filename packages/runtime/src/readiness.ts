// Readiness checks shared by the ops server and Fastify services: named predicates, all must pass.

export type ReadinessCheck = () => boolean | Promise<boolean>;
export type ReadinessChecks = Record<string, ReadinessCheck>;

export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, boolean>;
}

/** Runs every check; a check that throws or takes longer than `timeoutMs` counts as not ready. */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs = 2000): Promise<ReadinessResult> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
  const result: Record<string, boolean> = {};
  names.forEach((name, i) => {
    result[name] = outcomes[i]!;
  });
  return { ready: outcomes.every(Boolean), checks: result };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return (await Promise.race([Promise.resolve().then(check), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
