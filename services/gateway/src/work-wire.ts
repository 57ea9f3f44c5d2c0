// What crosses between the event loop and a work thread, and how: errors as data (a structured clone keeps
// no class, so a ContractError would arrive as a plain Error and be answered 500 instead of 400), and
// bytes moved rather than copied where they own their memory.
import { ContractError, type ContractErrorCode } from '@opa-fleet/contracts';
import { GatewayError, type GatewayErrorCode } from './errors';
import { asBuffer, type ReportResult } from './report-work';

export type WireError =
  | { type: 'contract'; code: ContractErrorCode; detail: string; path: string | null }
  | { type: 'gateway'; code: GatewayErrorCode; message: string; path: string | null }
  | { type: 'other'; message: string; stack: string | undefined };

export function errorToWire(err: unknown): WireError {
  if (err instanceof ContractError)
    return { type: 'contract', code: err.code, detail: err.detail, path: err.path };
  if (err instanceof GatewayError)
    return { type: 'gateway', code: err.code, message: err.message, path: err.path };
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: 'other', message: e.message, stack: e.stack };
}

/** The error as the error handler knows it: the same class, code, message and path as thrown. */
export function errorFromWire(wire: WireError): Error {
  switch (wire.type) {
    case 'contract':
      return new ContractError(wire.code, wire.detail, wire.path);
    case 'gateway':
      return new GatewayError(wire.code, wire.message, wire.path);
    case 'other': {
      const err = new Error(`work thread: ${wire.message}`);
      err.stack = wire.stack;
      return err;
    }
  }
}

/**
 * Bytes to send to another thread, and what to transfer: a view that owns its whole ArrayBuffer moves
 * (no copy; the sender's view is emptied); a slice of a shared one (Node's 8 KB pool, a socket's read
 * buffer) is copied to its exact length first, since a structured clone would copy the whole buffer
 * and a transfer would take it from everything else that uses it.
 */
export function movable(bytes: Uint8Array): { bytes: Uint8Array; transfer: ArrayBuffer } {
  const owns =
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer;
  const own = owns ? bytes : new Uint8Array(bytes);
  return { bytes: own, transfer: own.buffer as ArrayBuffer };
}

/**
 * A result as it crosses back: its buffers moved (the record, or each batch of a decision chunk) and the
 * errors of a chunk's invalid events as data.
 */
export function resultToWire(result: ReportResult): { result: unknown; transfer: ArrayBuffer[] } {
  if ('batches' in result) {
    const transfer: ArrayBuffer[] = [];
    const batches = result.batches.map((batch) => {
      const moved = movable(batch.value);
      transfer.push(moved.transfer);
      return { ...batch, value: moved.bytes };
    });
    const rejected = result.rejected.map((r) => ({ ...r, error: errorToWire(r.error) }));
    return { result: { ...result, batches, rejected }, transfer };
  }
  const moved = movable(result.record);
  return { result: { ...result, record: moved.bytes }, transfer: [moved.transfer] };
}

/** What resultToWire sent, as the work returned it: Buffers over the moved bytes, errors as thrown. */
export function resultFromWire(wire: unknown): ReportResult {
  const result = wire as ReportResult & { rejected?: { error: WireError }[] };
  if ('batches' in result) {
    return {
      ...result,
      batches: result.batches.map((b) => ({ ...b, value: asBuffer(b.value) })),
      rejected: (result.rejected as unknown as { index: number; event: unknown; error: WireError }[]).map(
        (r) => ({ ...r, error: errorFromWire(r.error) as ContractError }),
      ),
    };
  }
  return { ...result, record: asBuffer(result.record) };
}
