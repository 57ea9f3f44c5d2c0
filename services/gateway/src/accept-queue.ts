// The kernel's accept queue of the gateway's listening socket: connections whose TCP handshake is done and
// that the gateway has not taken yet. Node 20's libuv (1.45 and later, libuv pull request #3696) accepts ONE
// connection per event-loop iteration, and under load an iteration lasts 10-80 ms: a burst of new
// connections (a fleet reconnecting after a restart, a load balancer moving clients) waits there for
// seconds before a byte of its requests is read, so neither the admission nor the request metrics see it.
// Measured: 512 connections opened at once against a gateway at 700 req/s queued 420 deep and drained at
// about 30 a second; their first requests were answered 5.5 s late (README, "Accept queue").
//
// Linux only, from /proc/net/tcp and /proc/net/tcp6: a listening socket's `rx_queue` is its accept queue's
// length. The kernel lists listening sockets before the others, so the read stops at the first line that
// is not a listening socket, however many connections the gateway holds.
import { open, readlink } from 'node:fs/promises';

/** `st` of a listening socket in /proc/net/tcp. */
const TCP_LISTEN = '0A';
const CHUNK_BYTES = 64 * 1024;
/** Bound on what one lookup reads, in case the listing order ever differs. */
const MAX_BYTES = 4 * 1024 * 1024;

/** The inode of a socket file descriptor's link (`socket:[12345]`); null for anything else. */
export function socketInode(link: string): string | null {
  return /^socket:\[(\d+)\]$/.exec(link)?.[1] ?? null;
}

export type ListenLine =
  /** The socket's accept-queue length. */
  | { queued: number }
  /** A listening socket, but another one. */
  | 'other'
  /** Not a listening socket: the listening ones are all past. */
  | 'past'
  /** The header or an unreadable line. */
  | 'skip';

/** One line of /proc/net/tcp{,6}, for the socket with `inode`. */
export function readListenLine(line: string, inode: string): ListenLine {
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10 || !fields[0]!.endsWith(':')) return 'skip';
  if (fields[3] !== TCP_LISTEN) return 'past';
  if (fields[9] !== inode) return 'other';
  const rx = fields[4]!.split(':')[1];
  const queued = rx === undefined ? Number.NaN : Number.parseInt(rx, 16);
  return Number.isNaN(queued) ? 'skip' : { queued };
}

/** The accept-queue length of the listening socket `inode` in one /proc/net/tcp file; null if absent. */
async function queuedIn(file: string, inode: string): Promise<number | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let rest = '';
    for (let read = 0; read < MAX_BYTES; ) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      const text = rest + buffer.toString('latin1', 0, bytesRead);
      const lines = text.split('\n');
      rest = bytesRead === 0 ? '' : lines.pop()!;
      for (const line of lines) {
        const seen = readListenLine(line, inode);
        if (seen === 'past') return null;
        if (typeof seen === 'object') return seen.queued;
      }
      if (bytesRead === 0) return null;
      read += bytesRead;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Connections waiting in the accept queue of the listening socket `fd` of process `pid`; null where that
 * cannot be read (not Linux, no such socket).
 */
export async function readAcceptQueue(fd: number, pid: number | 'self' = 'self'): Promise<number | null> {
  try {
    const inode = socketInode(await readlink(`/proc/${pid}/fd/${fd}`));
    if (inode === null) return null;
    for (const file of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
      const queued = await queuedIn(file, inode).catch(() => null);
      if (queued !== null) return queued;
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * The file descriptor of a listening node:net / node:http server, null if it does not listen. Read from
 * Node's handle (`_handle.fd`, internal but unchanged for many releases; a test holds it).
 */
export function listenFd(server: object): number | null {
  const fd = (server as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
