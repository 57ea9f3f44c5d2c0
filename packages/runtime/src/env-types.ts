// Small zod helpers for the usual shapes of environment variables.
import { z } from 'zod';

/** `1`/`true`/`yes`/`on` and `0`/`false`/`no`/`off`, case-insensitive. */
export const envBoolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const s = v.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected true/false' });
      return z.NEVER;
    });

/** Comma-separated list, trimmed, empty entries dropped. */
export const envList = (fallback: string[] = []) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? fallback
        : v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
    );

export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const envPositiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A regular expression (Unicode mode), refused with the engine's reason when it does not compile. */
export const envRegex = () =>
  z.string().transform((source, ctx) => {
    try {
      return new RegExp(source, 'u');
    } catch (err) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not a valid regular expression (${(err as Error).message})`,
      });
      return z.NEVER;
    }
  });
