import { useTranslation } from 'react-i18next';
import { isUnnamedStep } from '../../../src/domain/sequence/step-labels.ts';

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge status-${status}`} data-testid="status-badge">
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}

export function KindLabel({ kind }: { kind: string }) {
  const { t } = useTranslation();
  return <span className={`kind kind-${kind}`}>{t(`kind.${kind}`, { defaultValue: kind })}</span>;
}

/**
 * A step as people read it: its kind's translated label, then its name when it has one of its own (an unnamed
 * step's stored name is the kind's code or the engine's English default, never shown).
 */
export function StepTitle({ kind, name }: { kind: string; name: string | null | undefined }) {
  return (
    <>
      <KindLabel kind={kind} />
      {!isUnnamedStep(name, kind) && <> {name}</>}
    </>
  );
}

/** The step's own name, or its kind's translated label when it has none. */
export function useStepName(): (step: { kind: string; name?: string | null }) => string {
  const { t } = useTranslation();
  return (step) =>
    isUnnamedStep(step.name, step.kind) ? t(`kind.${step.kind}`, { defaultValue: step.kind }) : step.name!;
}
