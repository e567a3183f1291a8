// Setup file of the `unit` test layer: a unit test is pure logic, so listening on a port, connecting a socket,
// spawning a process, or binding/connecting through a native socket addon (uWebSockets.js, ZeroMQ) fails the test at
// once, naming what it tried. Such a test belongs in a `*.int.test.ts` file (the `int` layer). Loading the addons is
// allowed: the edge on the in-memory transport still imports the uWS one.
// CHAINFAN_UNIT_GUARD=audit logs each attempt with its test file instead of failing (to survey a tree).
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { expect } from 'vitest';

const audit = process.env.CHAINFAN_UNIT_GUARD === 'audit';

function refuse(what: string): void {
  const msg = `unit layer: a unit test may not ${what}; name the file *.int.test.ts`;
  if (!audit) throw new Error(msg);
  process.stderr.write(`${msg}: ${expect.getState().testPath ?? '(unknown file)'}\n`);
}

function guard<T extends object>(target: T, key: keyof T & string, what: string): void {
  const original = target[key] as unknown;
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    refuse(what);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(target, key, { value: wrapped, configurable: true, writable: true });
}

function install(): void {
  guard(net.Server.prototype, 'listen', 'listen on a port (net.Server.listen)');
  guard(net.Socket.prototype, 'connect', 'open a socket (net.Socket.connect)');
  guard(dgram.Socket.prototype, 'bind', 'bind a UDP socket');
  for (const fn of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'] as const) {
    guard(childProcess, fn, `spawn a process (child_process.${fn})`);
  }
  // named imports (`import { spawn } from 'node:child_process'`) see the patched functions too
  syncBuiltinESMExports();

  // Native socket addons open ports outside node:net: their listen/bind/connect are wrapped as they load.
  const Module = createRequire(import.meta.url)('node:module') as { _extensions: Record<string, (m: { exports: unknown }, file: string) => void> };
  const loadNative = Module._extensions['.node'];
  if (!loadNative) return;
  Module._extensions['.node'] = (m, file) => {
    loadNative(m, file);
    const addon = m.exports as Record<string, unknown>;
    if (/uws_/.test(file)) {
      for (const name of ['App', 'SSLApp', 'H3App'] as const) {
        const make = addon[name];
        if (typeof make !== 'function') continue;
        addon[name] = (...args: unknown[]): unknown => {
          const app = (make as (...a: unknown[]) => Record<string, unknown>)(...args);
          guard(app, 'listen', `listen on a port (uWebSockets.js ${name}().listen)`);
          return app;
        };
      }
    }
    const Socket = addon['Socket'];
    if (/zeromq|zmq/i.test(file) && typeof Socket === 'function') {
      // the native prototype is frozen; the library's socket classes extend whatever `Socket` is exported
      class GuardedSocket extends (Socket as new (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown>) {}
      for (const fn of ['bind', 'bindSync', 'connect'] as const) {
        Object.defineProperty(GuardedSocket.prototype, fn, {
          configurable: true,
          writable: true,
          value(this: Record<string, (...a: unknown[]) => unknown>, ...args: unknown[]): unknown {
            refuse(`open a ZeroMQ socket (${fn})`);
            return (Socket.prototype as Record<string, (...a: unknown[]) => unknown>)[fn]!.apply(this, args);
          },
        });
      }
      addon['Socket'] = GuardedSocket;
    }
  };
}

// a worker runs setup files once per test file; the patches go in once per process
const installed = Symbol.for('chainfan.unit-guard');
const marked = globalThis as { [installed]?: true };
if (!marked[installed]) {
  marked[installed] = true;
  install();
}
