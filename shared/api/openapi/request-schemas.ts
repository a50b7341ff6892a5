/**
 * The request schemas of routes whose validation lives in their own modules, imported (not copied)
 * so the document cannot drift from what the routes accept.
 */
export {
  claimSchema as claimBodySchema,
  reportSchema as reportBodySchema,
  capacitySchema as capacityBodySchema,
} from '../../protocol/schemas.js';
export { scheduleCreateSchema, schedulePatchSchema } from '../../schedules/service.js';
export { hookCreateSchema } from '../../hooks/service.js';
export { tokenIssueSchema, signingKeyRotateSchema } from '../../auth/token-service.js';
