export {
  appendToOutbox,
  OUTBOX_CHANNEL,
  outboxTraceContext,
  type SqlTransaction,
  type TransactionalDatabase,
  type TransactionClient,
} from './appendToOutbox.ts';
export { busEpochKey } from './busEpoch.ts';
export { clearEventBus } from './clearEventBus.ts';
export {
  type EventEnvelope,
  type EventPayload,
  type EventType,
  entityUpdates,
  eventPayloads,
  MalformedEvent,
  parseEvent,
} from './contracts.ts';
export { type AwaitedCopy, type CopyFreshness, copyFreshness } from './copyFreshness.ts';
export { type CopyReplication, createCopyReplication } from './createCopyReplication.ts';
export {
  type ApplyOutcome,
  createEventConsumer,
  type EffectOutcome,
  type EventConsumer,
} from './createEventConsumer.ts';
export { createOutboxRelay, type OutboxRelay } from './createOutboxRelay.ts';
export { createReconciler, type OwnerState, type Reconciler } from './createReconciler.ts';
export { createRetention, type RetentionRule, retentionRules } from './createRetention.ts';
export { createScheduledRepair, type RepairResult, type ScheduledRepair } from './createScheduledRepair.ts';
export {
  countDeadLetters,
  countDeadLettersByQueue,
  DEAD_LETTER_QUEUE,
  type DeadLetter,
  deadLetterQueue,
  listDeadLetters,
  replayDeadLetters,
} from './deadLetters.ts';
export { deleteInBatches } from './deleteInBatches.ts';
export { deliveryOptions, deliveryOptionsOf } from './deliveryOptions.ts';
export { type EffectStatement, outboxAppend, type PlainSql, type SqlStatement } from './effectStatement.ts';
export {
  developmentEventKey,
  developmentEventKeys,
  type EventKeys,
  eventKeys,
  type Producer,
  producerOf,
  signEvent,
  UnverifiedEvent,
  verifyEvent,
} from './eventSignature.ts';
export { COPY_APPLIED_CHANNEL, type FieldCopySpec, fieldCopy, type OwnerValue } from './fieldCopy.ts';
export {
  appendToGatewayStream,
  gatewayStreamKey,
  readGatewayStream,
  streamedToGateway,
} from './gatewayStream.ts';
export { reactionsRepaired } from './metrics.ts';
export { parkedEventResolvers } from './parkedEventResolvers.ts';
export { type CopyStatus, readCopyStatus, reconcileNow } from './readCopyStatus.ts';
export { type RunRecord, readLastRun } from './readLastRun.ts';
export { type EventBusOptions, eventBus, failFast, processEventBus } from './redisConnection.ts';
export { sharedTableWork } from './sharedTableWork.ts';
export { queueName, type Subscriber, subscriptions } from './subscriptions.ts';
