import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenFd, readAcceptQueue, readListenLine, socketInode } from '../src/accept-queue';

// Lines as Linux 6.1 prints them: a listening socket with 3 connections queued (rx_queue 3), another
// listening socket, an established connection.
const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const LISTENING =
  '   0: 0100007F:9C4F 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 48213 1 0000000000000000 100 0 0 10 0';
const OTHER_LISTENING =
  '   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0';
const ESTABLISHED =
  '   2: 0100007F:9C4F 0100007F:D6E2 01 00000000:00000000 00:00000000 00000000     0        0 48299 1 0000000000000000 20 4 30 10 -1';

describe('reading the accept queue from /proc/net/tcp', () => {
  it('finds the listening socket by inode and reads its rx_queue as the queue length', () => {
    expect(readListenLine(LISTENING, '48213')).toEqual({ queued: 3 });
    expect(readListenLine(OTHER_LISTENING, '48213')).toBe('other');
    expect(readListenLine(ESTABLISHED, '48213')).toBe('past');
    expect(readListenLine(HEADER, '48213')).toBe('skip');
    expect(readListenLine('', '48213')).toBe('skip');
  });

  it('takes the inode only from a socket link', () => {
    expect(socketInode('socket:[48213]')).toBe('48213');
    expect(socketInode('pipe:[48213]')).toBeNull();
    expect(socketInode('/dev/null')).toBeNull();
  });

  it("finds a listening server's descriptor in Node's handle, none before it listens or after it closed", async () => {
    const server = net.createServer();
    expect(listenFd(server)).toBeNull();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(listenFd(server)).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => server.close(resolve));
    expect(listenFd(server)).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('the accept queue of a real listening socket', () => {
  let child: ChildProcess | undefined;
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    child?.kill('SIGKILL');
  });

  it('counts connections the kernel holds while the server is too busy to take them', async () => {
    // A server whose event loop is blocked right after it listens: the kernel completes the handshakes,
    // nobody accepts.
    child = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createServer().listen(0, '127.0.0.1', () => {
           console.log(JSON.stringify({ port: s.address().port, fd: s._handle.fd }));
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20000);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const { port, fd } = await new Promise<{ port: number; fd: number }>((resolve, reject) => {
      child!.stdout!.once('data', (line: Buffer) => resolve(JSON.parse(line.toString())));
      child!.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });
    const pid = child.pid!;
    expect(await readAcceptQueue(fd, pid)).toBe(0);

    for (let i = 0; i < 3; i++) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    // The kernel queues a connection once the client's last handshake ACK is in: a moment after its connect.
    await expect.poll(() => readAcceptQueue(fd, pid), { timeout: 2000 }).toBe(3);
    // Not a socket, no such descriptor: nothing to report.
    expect(await readAcceptQueue(0, pid)).toBeNull();
    expect(await readAcceptQueue(987_654, pid)).toBeNull();
  });
});
