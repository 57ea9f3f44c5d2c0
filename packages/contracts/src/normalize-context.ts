// What the gateway knows about a request besides its body; becomes the record's envelope.

export interface NormalizeContext {
  /** UUID v4 minted by the gateway for this report. */
  eventId: string;
  /** When the gateway accepted the report, epoch micros. */
  receivedAt: number;
  /** Which gateway instance accepted it. */
  gatewayId: string;
  /** The User-Agent header, if any. */
  userAgent?: string;
  /** Partition name from `/status/<partition>`; null or absent for `/status` and `/status/`. */
  partition?: string | null;
}
