/**
 * Just enough of Kubernetes' protobuf encoding to read a Namespace, which kubectl's typed client
 * sends for `kubectl create namespace NAME`: the `k8s\0` magic, a `runtime.Unknown` envelope, and
 * the Namespace's ObjectMeta (name, generateName, labels, annotations). Everything else is ignored.
 */
import { badRequest } from './errors.js';

type Fields = Map<number, Buffer[]>;

/** Length-delimited fields of one message, by field number; other wire types are skipped. */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw badRequest('truncated protobuf body');
      const byte = buf[pos++] ?? 0;
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw badRequest('malformed protobuf varint');
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length) throw badRequest('truncated protobuf body');
      out.set(field, [...(out.get(field) ?? []), buf.subarray(pos, pos + length)]);
      pos += length;
    } else throw badRequest(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

const text = (f: Fields, n: number) => f.get(n)?.[0]?.toString('utf8');

function stringMap(entries: Buffer[] | undefined): Record<string, string> | undefined {
  if (!entries) return undefined;
  return Object.fromEntries(
    entries.map((e) => fields(e)).map((f) => [text(f, 1) ?? '', text(f, 2) ?? '']),
  );
}

/** Decodes a protobuf-encoded v1 Namespace into its JSON form (metadata only). */
export function decodeNamespace(body: Buffer): unknown {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\u0000') {
    throw badRequest('protobuf body without the k8s magic prefix');
  }
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.get(1)?.[0] ?? Buffer.alloc(0));
  const kind = text(typeMeta, 2);
  if (kind !== 'Namespace')
    throw badRequest(`expected a Namespace in the protobuf body, got "${kind}"`);
  const object = fields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
  const meta = fields(object.get(1)?.[0] ?? Buffer.alloc(0));
  const labels = stringMap(meta.get(11));
  const annotations = stringMap(meta.get(12));
  return {
    apiVersion: text(typeMeta, 1) ?? 'v1',
    kind,
    metadata: {
      ...(text(meta, 1) ? { name: text(meta, 1) } : {}),
      ...(text(meta, 2) ? { generateName: text(meta, 2) } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
  };
}
