// The pure rules of batch boundaries that survive a crash: what is recorded, what is read back, and
// where a record goes relative to a recorded end.
import { describe, expect, it } from 'vitest';
import { placeRecord, plannedBoundary, plannedEnd } from '../../src/consumer/batch-boundary';

describe('batch boundaries', () => {
  it('reads back the end it recorded, when it lies beyond the committed offset', () => {
    expect(plannedEnd(plannedBoundary('120'), '100')).toBe('120');
    // Offsets past 2^53 stay exact.
    expect(plannedEnd(plannedBoundary('9007199254740999'), '9007199254740993')).toBe('9007199254740999');
  });

  it('is no boundary once the batch was committed, or for metadata it did not write', () => {
    expect(plannedEnd(plannedBoundary('120'), '120')).toBeNull();
    expect(plannedEnd(plannedBoundary('120'), '130')).toBeNull();
    expect(plannedEnd(null, '100')).toBeNull();
    expect(plannedEnd('', '100')).toBeNull();
    expect(plannedEnd('someone else: 120', '100')).toBeNull();
    expect(plannedEnd('opa-batch:v1:end=12x', '100')).toBeNull();
    expect(plannedEnd(plannedBoundary('120'), '-1')).toBeNull();
  });

  it('places records before, at and after a recorded end', () => {
    expect(placeRecord('5', null)).toBe('add');
    expect(placeRecord('100', '103')).toBe('add-held');
    expect(placeRecord('101', '103')).toBe('add-held');
    expect(placeRecord('102', '103')).toBe('add-then-close');
    expect(placeRecord('103', '103')).toBe('close-then-add');
    expect(placeRecord('200', '103')).toBe('close-then-add');
  });
});
