/**
 * OpenTelemetry semantic-convention attribute names used by awo (messaging, and HTTP, process
 * and database for CLIENT spans), in one place.
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
  // CLIENT spans: HTTP, process and database conventions.
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  URL_FULL: 'url.full',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  PROCESS_EXECUTABLE_PATH: 'process.executable.path',
  PROCESS_EXIT_CODE: 'process.exit.code',
  DB_SYSTEM_NAME: 'db.system.name',
  DB_OPERATION_NAME: 'db.operation.name',
  ERROR_TYPE: 'error.type',
} as const;

export const MESSAGING_SYSTEM_REDIS = 'redis';
export const MESSAGING_SYSTEM_BULLMQ = 'bullmq';

/** Span names follow `{operation} {destination}`. */
export function spanName(operation: string, destination: string): string {
  return `${operation} ${destination}`;
}
