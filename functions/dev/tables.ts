/**
 * `npm run dev:tables`: creates the DynamoDB state table for local use (DynamoDB Local by
 * default), with every index and TTL on, and prints what it did. Production tables come from
 * infra/terraform instead.
 *
 *   SWITCHYARD_DYNAMODB_TABLE     table name            (default `switchyard`)
 *   SWITCHYARD_DYNAMODB_ENDPOINT  DynamoDB endpoint     (default `http://127.0.0.1:8000`)
 *   AWS_REGION                    region                (default `us-east-1`)
 * Without AWS credentials in the environment it signs with dummy local ones, which DynamoDB
 * Local accepts.
 */
import { z } from 'zod';
import { isAppError } from '../../shared/base/errors.js';
import { createDynamoDbStore } from '../../shared/store/dynamodb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const Env = z.object({
  SWITCHYARD_DYNAMODB_TABLE: z.string().min(3).max(255).default('switchyard'),
  SWITCHYARD_DYNAMODB_ENDPOINT: z.url().default('http://127.0.0.1:8000'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_PROFILE: z.string().optional(),
});

async function main(): Promise<number> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    console.error(`dev:tables: invalid environment: ${issues.join('; ')}`);
    return 2;
  }
  const env = parsed.data;
  const dummy = !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
  const store = createDynamoDbStore({
    tableName: env.SWITCHYARD_DYNAMODB_TABLE,
    endpoint: env.SWITCHYARD_DYNAMODB_ENDPOINT,
    region: env.AWS_REGION,
    ...(dummy ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const where = `${env.SWITCHYARD_DYNAMODB_ENDPOINT} (region ${env.AWS_REGION}${dummy ? ', dummy local credentials' : ''})`;
  try {
    const result = await store.ensureTable();
    console.log(
      result === 'created'
        ? `created DynamoDB table ${env.SWITCHYARD_DYNAMODB_TABLE} at ${where}: on-demand, 4 indexes, TTL on expiresAt`
        : `DynamoDB table ${env.SWITCHYARD_DYNAMODB_TABLE} already exists at ${where}; nothing to do`,
    );
    return 0;
  } catch (e) {
    console.error(`dev:tables: ${isAppError(e) || e instanceof Error ? e.message : String(e)}`);
    if (!isAppError(e)) {
      console.error(
        'is DynamoDB Local running? e.g. java -Djava.library.path=$D/DynamoDBLocal_lib -jar $D/DynamoDBLocal.jar -inMemory -sharedDb -port 8000 ' +
          'with D=node_modules/amplify-dynamodb-simulator/emulator',
      );
    }
    return 1;
  } finally {
    await store.close();
  }
}

process.exitCode = await main();
