// V8 flags the ingestor process runs with (deploy/docker/ingestor.Dockerfile's ENTRYPOINT; the ingest benchmark).
// The ingestor allocates a short-lived JSON tree per transaction: a young generation of 64 MiB semi-spaces lets those
// die in fewer scavenges instead of being promoted, +12% throughput and a p99 at 1,000 tx/s from ~5 ms to ~2 ms
// (docs/performance.md). V8 sizes the heap at start-up, so this cannot be set from inside the process.
export const INGESTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
