import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, deadLetterHeaders, recordFailure } from '../src/dead-letter';

describe('dead letters', () => {
  it('reads code and path from the error, not from its message', () => {
    const err = Object.assign(new Error('bad magic'), { code: 'CORRUPT_RECORD', path: '$.labels.id' });
    expect(recordFailure(err)).toEqual({ code: 'CORRUPT_RECORD', message: 'bad magic', path: '$.labels.id' });
    expect(recordFailure(new Error('boom'))).toEqual({
      code: 'UNEXPECTED_ERROR',
      message: 'boom',
      path: null,
    });
  });

  it("carries the store's own error code (e.g. ClickHouse's) in its own header", () => {
    const err = Object.assign(new Error('insert into t refused a row: Code: 72'), {
      code: 'INSERT_REJECTED',
      serverCode: '72',
    });
    const failure = recordFailure(err);
    expect(failure).toMatchObject({ code: 'INSERT_REJECTED', serverCode: '72' });
    const record = {
      topic: 't',
      partition: 0,
      offset: '1',
      key: null,
      value: null,
      headers: {},
      timestamp: '0',
    };
    expect(deadLetterHeaders({ record, failure }, 'g')).toMatchObject({
      [DEAD_LETTER_HEADERS.errorCode]: 'INSERT_REJECTED',
      [DEAD_LETTER_HEADERS.errorServerCode]: '72',
    });
  });

  it('names origin topic, partition, offset and the error in headers, keeping original headers', () => {
    const headers = deadLetterHeaders(
      {
        record: {
          topic: 'opa.status',
          partition: 2,
          offset: '41',
          key: Buffer.from('k'),
          value: Buffer.from('v'),
          headers: { 'trace-id': 't1' },
          timestamp: '1700000000000',
        },
        failure: { code: 'UNKNOWN_SCHEMA', message: 'fingerprint not found', path: null },
      },
      'status-loader',
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(headers).toEqual({
      'trace-id': 't1',
      [DEAD_LETTER_HEADERS.topic]: 'opa.status',
      [DEAD_LETTER_HEADERS.partition]: '2',
      [DEAD_LETTER_HEADERS.offset]: '41',
      [DEAD_LETTER_HEADERS.timestamp]: '1700000000000',
      [DEAD_LETTER_HEADERS.errorCode]: 'UNKNOWN_SCHEMA',
      [DEAD_LETTER_HEADERS.errorMessage]: 'fingerprint not found',
      [DEAD_LETTER_HEADERS.group]: 'status-loader',
      [DEAD_LETTER_HEADERS.failedAt]: '2026-01-01T00:00:00.000Z',
    });
  });
});
