// The node's ZMQ topic names, apart from the publisher so options and tests read them without loading the ZeroMQ addon.
export const ZMQ_TOPICS = ['hashblock', 'hashtx', 'rawblock', 'rawtx', 'sequence'] as const;
export type ZmqTopic = (typeof ZMQ_TOPICS)[number];
