/** Pub/Sub push bodies as the emulator sends them: `{ message: { data (base64), … }, subscription }`. */
export function pushBody(
  message: unknown,
  messageId = '1',
  attributes: Record<string, string> = {},
) {
  return pushOfData(btoa(JSON.stringify(message)), messageId, attributes);
}

/** A push whose `data` is given as is (for malformed data). */
export function pushOfData(
  data: string | undefined,
  messageId = '1',
  attributes: Record<string, string> = {},
) {
  const publishTime = new Date().toISOString();
  return {
    subscription: 'projects/p/subscriptions/switchyard-aws-push',
    message: {
      ...(data === undefined ? {} : { data }),
      attributes,
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
  };
}
