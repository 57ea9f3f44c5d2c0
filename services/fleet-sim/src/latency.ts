// Latency percentiles over a bounded reservoir, so a long run does not grow memory.
export class LatencyRecorder {
  private readonly samples: Float64Array;
  private count = 0;
  private seen = 0;

  constructor(capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.seen += 1;
    if (this.count < this.samples.length) {
      this.samples[this.count++] = ms;
    } else {
      // Reservoir sampling keeps a uniform sample of everything seen.
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < this.samples.length) this.samples[slot] = ms;
    }
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const sorted = this.samples.slice(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.floor((p / 100) * this.count))]!;
  }
}
