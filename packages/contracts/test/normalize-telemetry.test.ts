import { describe, expect, it } from 'vitest';
import { type NormalizeContext, normalizeTelemetry } from '../src/index';
import { contractErrorOf } from './support/errors';

const ctx: NormalizeContext = { eventId: 'e', receivedAt: 1, gatewayId: 'g' };

describe('normalizeTelemetry', () => {
  it('accepts heap_usage_bytes as string, number or absent', () => {
    expect(
      normalizeTelemetry({ id: 'i', version: 'v', heap_usage_bytes: '596000' }, ctx).heap_usage_bytes,
    ).toBe(596000);
    expect(
      normalizeTelemetry({ id: 'i', version: 'v', heap_usage_bytes: 596000 }, ctx).heap_usage_bytes,
    ).toBe(596000);
    expect(normalizeTelemetry({ id: 'i', version: 'v' }, ctx).heap_usage_bytes).toBeNull();
  });

  it('rejects heap_usage_bytes that is not a non-negative integer', () => {
    expect(
      contractErrorOf(() => normalizeTelemetry({ id: 'i', version: 'v', heap_usage_bytes: '-1' }, ctx)),
    ).toEqual({
      code: 'INVALID_TYPE',
      path: '$.heap_usage_bytes',
    });
    expect(
      contractErrorOf(() => normalizeTelemetry({ id: 'i', version: 'v', heap_usage_bytes: 1.5 }, ctx)),
    ).toEqual({
      code: 'INVALID_VALUE',
      path: '$.heap_usage_bytes',
    });
  });

  it('keeps extra top-level keys as a JSON object', () => {
    const record = normalizeTelemetry(
      { id: 'i', version: 'v', min_compatible_version: '0.50.0', n: [1] },
      ctx,
    );
    expect(JSON.parse(record.extra_json!)).toEqual({ min_compatible_version: '0.50.0', n: [1] });
  });

  it('requires id and version', () => {
    expect(contractErrorOf(() => normalizeTelemetry({ version: 'v' }, ctx))).toEqual({
      code: 'MISSING_FIELD',
      path: '$.id',
    });
    expect(contractErrorOf(() => normalizeTelemetry({ id: 'i', version: 2 }, ctx))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.version',
    });
    expect(contractErrorOf(() => normalizeTelemetry([], ctx))).toEqual({ code: 'INVALID_TYPE', path: '$' });
  });

  it('truncates a long User-Agent instead of rejecting the report', () => {
    const record = normalizeTelemetry(
      { id: 'i', version: 'v' },
      { ...ctx, userAgent: `a/1 ${'x'.repeat(5000)}` },
    );
    expect(record.client.user_agent).toHaveLength(4096);
    expect(record.client.agent).toBe('a');
  });
});
