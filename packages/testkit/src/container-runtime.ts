// Cheap check for a container runtime, so machines without one never pay testcontainers' discovery timeouts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** True when DOCKER_HOST is set or a well-known Docker/Podman socket exists. Touches only the file system. */
export function containerRuntimeReachable(env: Readonly<Record<string, string | undefined>>): boolean {
  if ((env['DOCKER_HOST'] ?? '') !== '') return true;
  const home = env['HOME'];
  const xdg = env['XDG_RUNTIME_DIR'];
  const sockets = [
    '/var/run/docker.sock',
    ...(home === undefined ? [] : [join(home, '.docker/run/docker.sock'), join(home, '.docker/desktop/docker.sock')]),
    ...(xdg === undefined ? [] : [join(xdg, 'docker.sock'), join(xdg, 'podman/podman.sock')]),
  ];
  return sockets.some((s) => existsSync(s));
}
