/** Reading a request body as JSON, with errors that say what is wrong. */
import { AppError } from '../base/errors.js';
import { checkDocumentSize, checkJsonNesting } from '../base/nesting.js';

/**
 * Reads a JSON object body, with errors that say what is wrong. Nesting is checked before
 * parsing (NESTED_TOO_DEEP), and `maxChars` (when given) bounds the text (PAYLOAD_TOO_LARGE).
 */
export async function readJson(
  req: Request,
  limits: { maxChars?: number; what?: string } = {},
): Promise<unknown> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'send the body as JSON with "Content-Type: application/json"',
    );
  }
  const text = await req.text();
  const what = limits.what ?? 'the request body';
  if (limits.maxChars !== undefined) checkDocumentSize(text, what, limits.maxChars);
  checkJsonNesting(text, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'the request body is not valid JSON');
  }
}
