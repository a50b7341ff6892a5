/**
 * The drainer function as an AWS Lambda function-URL handler: the same push app through Hono's
 * AWS Lambda adapter. The environment is parsed once per cold start; OIDC is always on (a function
 * URL is never loopback-only).
 */
import { handle } from 'hono/aws-lambda';
import { createConsoleLogger } from '../server/logger.js';
import { buildDrainerFn, parseDrainerFnEnv } from './config.js';

const { app } = buildDrainerFn(parseDrainerFnEnv(process.env, 'lambda'), createConsoleLogger());

export const handler = handle(app);
