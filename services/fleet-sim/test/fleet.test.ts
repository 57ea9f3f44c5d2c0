import { describe, expect, it } from 'vitest';
import { createFleet, createSchedule, seededRandom } from '../src/index';

const options = { size: 50, seed: 7, partitions: ['', 'eu', 'us'], failingShare: 0.3 };

describe('simulated fleet', () => {
  it('is the same fleet for the same seed and a different one for another seed', () => {
    expect(createFleet(options)).toEqual(createFleet(options));
    expect(createFleet({ ...options, seed: 8 }).map((i) => i.id)).not.toEqual(
      createFleet(options).map((i) => i.id),
    );
  });

  it('gives every instance a unique id and spreads instances over the partitions', () => {
    const fleet = createFleet(options);
    expect(new Set(fleet.map((i) => i.id)).size).toBe(50);
    expect(new Set(fleet.map((i) => i.partition))).toEqual(new Set([null, 'eu', 'us']));
  });

  it('mixes versions, platforms, Prometheus spellings and failing bundles', () => {
    const fleet = createFleet({ ...options, size: 400 });
    expect(new Set(fleet.map((i) => i.version)).size).toBeGreaterThan(5);
    expect(new Set(fleet.map((i) => `${i.os}/${i.arch}`)).size).toBeGreaterThan(3);
    expect(new Set(fleet.map((i) => i.spelling))).toEqual(new Set(['array', 'map', 'protojson']));
    const failing = fleet.filter((i) => i.bundles.some((b) => b.failing !== 'no')).length;
    expect(failing / fleet.length).toBeGreaterThan(0.2);
    expect(failing / fleet.length).toBeLessThan(0.4);
  });
});

describe('schedule', () => {
  it('sends each instance a version report first, then status updates until the simulated day ends', () => {
    const fleet = createFleet({ ...options, size: 3 });
    const schedule = createSchedule(fleet, seededRandom(1), { dayMs: 1000, changeChance: 0 });
    const kinds = Array.from({ length: 9 }, (_, i) => schedule.next(i < 6 ? 0 : 1000).kind);
    expect(kinds).toEqual([
      'version',
      'version',
      'version',
      'status',
      'status',
      'status',
      'version',
      'version',
      'version',
    ]);
  });

  it('posts status updates to the instance partition and version reports with an OPA User-Agent', () => {
    const fleet = createFleet({ ...options, size: 3 });
    const schedule = createSchedule(fleet, seededRandom(1), { dayMs: 60_000, changeChance: 0 });
    const version = schedule.next(0);
    expect(version.path).toBe('/v1/version');
    expect(version.headers['user-agent']).toMatch(
      /^Open Policy Agent\/v\S+ \((linux|darwin|windows), (amd64|arm64)\)$/,
    );
    expect(JSON.parse(version.body)).toMatchObject({
      id: fleet[0]!.id,
      heap_usage_bytes: expect.any(String),
    });
    schedule.next(0);
    schedule.next(0);
    const statuses = [schedule.next(1), schedule.next(1), schedule.next(1)];
    expect(statuses.map((s) => s.path)).toEqual(['/status/', '/status/eu', '/status/us']);
    expect(JSON.parse(statuses[0]!.body).labels.id).toBe(fleet[0]!.id);
  });

  it('tags reports with their sequence number only when tracing', () => {
    const fleet = createFleet({ ...options, size: 1 });
    const traced = createSchedule(fleet, seededRandom(1), { dayMs: 60_000, changeChance: 0, trace: true });
    expect(JSON.parse(traced.next(0).body).sim_seq).toBe(0);
    expect(JSON.parse(traced.next(1).body).labels.sim_seq).toBe('1');
    const plain = createSchedule(createFleet({ ...options, size: 1 }), seededRandom(1), {
      dayMs: 60_000,
      changeChance: 0,
    });
    expect(JSON.parse(plain.next(0).body)).not.toHaveProperty('sim_seq');
    expect(JSON.parse(plain.next(1).body).labels).not.toHaveProperty('sim_seq');
  });
});
