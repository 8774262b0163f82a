/**
 * OpenTelemetry messaging semantic-convention attribute names used by awo, in one place.
 * https://opentelemetry.io/docs/specs/semconv/messaging/
 */
export const ATTR = {
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  MESSAGING_CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  MESSAGING_BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
  SERVICE_NAME: 'service.name',
} as const;

export const MESSAGING_SYSTEM_REDIS = 'redis';
export const MESSAGING_SYSTEM_BULLMQ = 'bullmq';

/** Span names follow `{operation} {destination}`. */
export function spanName(operation: string, destination: string): string {
  return `${operation} ${destination}`;
}
