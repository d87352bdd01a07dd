import { useTranslation } from 'react-i18next';
import { errorText, problemTexts } from './errors.ts';

/** An API error in the user's language, with each problem listed. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const problems = problemTexts(t, error);
  return (
    <div role="alert" className="error-box">
      <p>{errorText(t, error)}</p>
      {problems.length > 0 && (
        <ul>
          {problems.map((text, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no id and never reorder
            <li key={index}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
