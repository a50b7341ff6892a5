/**
 * The patterns a job submission's strings must match: shared by the schema (`spec.ts`) and the
 * common-shape fast check (`spec-fast.ts`), so the two can never disagree on them. Edge-safe.
 */
export const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
export const ACCELERATOR_TYPE = /^[a-z0-9][-a-z0-9.]{0,62}$/;

// An OCI image reference, per the distribution reference grammar: [registry[:port]/]path[:tag]
// [@digest]. No spaces, newlines or upper case in the path, so it goes into a manifest as is.
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
export const OCI_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_PART}(?:/${PATH_PART})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** Bounds the schema and the fast check share. */
export const MAX_PRIORITY = 1000;
/** The priority of a submission that gives none; a policy rule's `priority.default` replaces it. */
export const DEFAULT_PRIORITY = 100;
export const MAX_DEADLINE_SECONDS = 30 * 24 * 3600;
