// Entry point of `infra/bin/retention`: one run, then exit (0, or 1 with the error logged).
import { ConfigError, createLogger } from '@opa-fleet/runtime';
import { runRetentionCommand } from './retention-command';

// Quiet by default: the statements are printed; LOG_LEVEL=info adds the structured log.
const logger = createLogger('retention', { level: process.env.LOG_LEVEL ?? 'warn' });
runRetentionCommand(process.argv.slice(2), process.env, logger).then(
  ({ actions, dryRun }) => {
    for (const a of actions) process.stdout.write(`${dryRun ? '(dry run) ' : ''}${a.statement}\n`);
    if (actions.length === 0) process.stdout.write('retention: nothing to do\n');
  },
  (err: unknown) => {
    // A configuration or argument mistake is one readable line; anything else is logged in full.
    if (err instanceof ConfigError || (err instanceof Error && err.message.startsWith('unknown argument'))) {
      process.stderr.write(`${err.message}\n`);
    } else {
      logger.error({ err }, 'retention failed');
    }
    process.exitCode = 1;
  },
);
