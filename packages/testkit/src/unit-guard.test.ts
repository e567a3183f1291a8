// The unit layer's guard refuses every way a test could reach outside the process (this file runs in that layer).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import { Publisher } from 'zeromq';

const REFUSED = /^unit layer: a unit test may not .*; name the file \*\.int\.test\.ts$/;

describe('unit layer guard', () => {
  it('refuses listening and connecting through node:net', () => {
    expect(() => net.createServer().listen(0)).toThrow(REFUSED);
    expect(() => new net.Socket().connect(1, '127.0.0.1')).toThrow(REFUSED);
  });

  it('refuses spawning a process, named imports included', () => {
    expect(() => spawn('true')).toThrow(REFUSED);
  });

  it('lets the socket addons load but refuses a uWS listen and a ZeroMQ bind', () => {
    expect(() => uWS.App().listen('127.0.0.1', 0, () => undefined)).toThrow(REFUSED);
    const p = new Publisher();
    try {
      expect(() => p.bind('tcp://127.0.0.1:0')).toThrow(REFUSED);
    } finally {
      p.close();
    }
  });
});
