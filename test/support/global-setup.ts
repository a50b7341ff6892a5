// Vitest global setup: starts the local stand-ins the driver tests need (DynamoDB Local, the
// Pub/Sub emulator) once, on free loopback ports, and stops them at the end. Where one is missing
// on this machine its tests are skipped with one line saying what to install; with CI=true a
// missing stand-in fails the run instead.
import type { TestProject } from 'vitest/node';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../../infra/emulators/dynamodb.js';
import { pubSubEmulatorUnavailable, startPubSubEmulator } from '../../infra/emulators/pubsub.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    pubsubHost: string;
  }
}

export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<void>> = [];
  const ci = process.env.CI === 'true';

  const missingDynamo = dynamoDbLocalUnavailable();
  if (missingDynamo) {
    if (ci) throw new Error(`DynamoDB Local is required in CI: ${missingDynamo}`);
    console.warn(`skipping DynamoDB tests: ${missingDynamo}`);
    project.provide('dynamodbEndpoint', '');
  } else {
    const ddb = await startDynamoDbLocal();
    stops.push(ddb.stop);
    project.provide('dynamodbEndpoint', ddb.endpoint);
  }

  const missingPubSub = pubSubEmulatorUnavailable();
  if (missingPubSub) {
    if (ci) throw new Error(`the Pub/Sub emulator is required in CI: ${missingPubSub}`);
    console.warn(`skipping Pub/Sub tests: ${missingPubSub}`);
    project.provide('pubsubHost', '');
  } else {
    const ps = await startPubSubEmulator();
    stops.push(ps.stop);
    project.provide('pubsubHost', ps.host);
  }

  return async () => {
    await Promise.all(stops.map((s) => s()));
  };
}
