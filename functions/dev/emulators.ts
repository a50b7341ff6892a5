/**
 * `npm run dev:emulators`: DynamoDB Local and the Pub/Sub emulator on loopback, for running
 * Switchyard (or `wrangler dev`) against the production drivers on this machine. Ctrl-C stops both.
 */
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../../infra/emulators/dynamodb.js';
import { pubSubEmulatorUnavailable, startPubSubEmulator } from '../../infra/emulators/pubsub.js';

async function main(): Promise<void> {
  const missing = [dynamoDbLocalUnavailable(), pubSubEmulatorUnavailable()].filter(Boolean);
  if (missing.length) throw new Error(missing.join('\n'));
  const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000);
  const pubsubPort = Number(process.env.PUBSUB_PORT ?? 8085);
  const dynamo = await startDynamoDbLocal({ port: dynamoPort });
  const pubsub = await startPubSubEmulator({ port: pubsubPort });
  process.stdout.write(
    [
      `DynamoDB Local:      ${dynamo.endpoint}`,
      `Pub/Sub emulator:    ${pubsub.host}`,
      '',
      'Use them with:',
      `  SWITCHYARD_STORE=dynamodb SWITCHYARD_DYNAMODB_ENDPOINT=${dynamo.endpoint} \\`,
      `  SWITCHYARD_QUEUE=pubsub PUBSUB_EMULATOR_HOST=${pubsub.host} SWITCHYARD_PUBSUB_PROJECT=switchyard-local npm start`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([dynamo.stop(), pubsub.stop()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(
    `cannot start the emulators: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});
