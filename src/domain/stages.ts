import { z } from 'zod';

/**
 * Business-process stages (SPEC.md §6): one list per organisation, kept in its settings. Each stage has a stable
 * key (what records store and stage conditions compare) and a display name people read. Keys compare exactly;
 * `stageKey` turns a legacy or typed value ("Qualify", " qualify ") into its key.
 */
export const StageKeySchema = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9_]+$/, 'Lower-case letters, digits and underscores');

export const StageSchema = z.strictObject({
  key: StageKeySchema,
  name: z.string().trim().min(1).max(100),
});
export type Stage = z.infer<typeof StageSchema>;

export const StageListSchema = z
  .array(StageSchema)
  .max(50)
  .refine((stages) => new Set(stages.map((stage) => stage.key)).size === stages.length, {
    message: 'Stage keys must be unique',
  });

/** Dynamics' lead-to-opportunity process: the stages a new organisation starts with. */
export const DEFAULT_STAGES: Stage[] = [
  { key: 'qualify', name: 'Qualify' },
  { key: 'develop', name: 'Develop' },
  { key: 'propose', name: 'Propose' },
  { key: 'close', name: 'Close' },
];

/** The key of a stage value as stored or typed: trimmed, lower-case, runs of other characters as "_". */
export function stageKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Whether a record's stage is one of the condition's stages, comparing keys. */
export function stageMatches(recordStage: unknown, conditionStages: readonly string[]): boolean {
  if (typeof recordStage !== 'string' || recordStage.trim() === '') return false;
  const key = stageKey(recordStage);
  return conditionStages.some((stage) => stageKey(stage) === key);
}

/** The display name of a stage key from the organisation's list; an unknown key is shown as it is. */
export function stageName(stages: readonly Stage[], key: string): string {
  const wanted = stageKey(key);
  return stages.find((stage) => stage.key === wanted)?.name ?? key;
}
