// Test-only: a logger that writes nothing, for unit tests that must not load the edge (and its socket addon).
import { createLogger } from '@chainfan/telemetry';

export const silentLog = createLogger({ service: 'edge-test', level: 'silent' });
