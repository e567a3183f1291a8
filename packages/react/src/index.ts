// Public API of @chainfan/react: a provider sharing one ChainfanClient, and hooks for topics and connection state.
export { ChainfanProvider, type ChainfanProviderProps, useChainfanStore } from './chainfan-provider.js';
export { useChainfan, useChainfanConnection, type UseChainfanOptions, type UseChainfanResult } from './use-chainfan.js';
export { ChainfanStore, type ChainfanStoreOptions, type ConnectionSnapshot, type TopicSnapshot, type TopicStatus } from './chainfan-store.js';
export { type MessageForTopic, type EventMessage, topicsForMessage, eventIdentity, topicKey } from './topic-messages.js';
